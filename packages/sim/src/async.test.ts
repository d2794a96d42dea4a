import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  evaluateSoftmax,
  FedAsync,
  FedBuff,
  LocalGrid,
  MemoryClientState,
  runAsynchronous,
  SoftmaxClient,
  subset,
  type Weights,
} from '@federa/core';
import { PoolGrid } from './pool-grid.js';
import { createClientFactory, type SoftmaxSpec, softmaxData } from './testing/softmax-runtime.js';

const spec: SoftmaxSpec = { seed: 5, clients: 12, perClient: 30, throwing: ['c5'], nan: ['c7'] };
const nodes = Array.from({ length: spec.clients }, (_, i) => ({ id: `c${i}` }));
const runtime = new URL('./testing/softmax-runtime.ts', import.meta.url).href;
const test = subset(
  softmaxData(spec),
  Array.from({ length: 300 }, (_, i) => spec.clients * spec.perClient + i),
);
const evaluate = async (w: Weights) => evaluateSoftmax(w, test);
const local = { epochs: 1, batchSize: 5, lr: 0.1 };

describe('runAsynchronous over PoolGrid (concurrent train() calls on worker threads)', () => {
  const grid = new PoolGrid({ nodes, runtime, spec, workers: 2 });
  after(() => grid.close());

  it("order 'start' gives bit for bit the in-process result, with bad clients recorded", async () => {
    const factory = await createClientFactory(spec);
    const inProcess = new LocalGrid(nodes.map((n) => [n, factory(n.id, new MemoryClientState())]));
    const run = (g: typeof grid | LocalGrid) =>
      runAsynchronous({
        grid: g,
        strategy: new FedBuff({ ...local, bufferSize: 4 }),
        initial: SoftmaxClient.initialWeights(4, 3),
        seed: 3,
        concurrency: 4,
        updates: 24,
        order: 'start',
        evaluate,
        evaluateEvery: 100,
      });
    const pooled = await run(grid);
    const ref = await run(inProcess);
    assert.deepEqual(pooled.weights.data, ref.weights.data, 'bit-identical to the in-process run');
    assert.equal(pooled.version, 6);
    const clients = pooled.records.flatMap((r) => r.clients);
    const failed = clients.filter((c) => !c.ok);
    assert.ok(failed.length > 0, 'the seeded draw hit a bad client');
    for (const c of failed) assert.match(c.error ?? '', c.clientId === 'c5' ? /crashed/ : /E_NONFINITE/);
    assert.ok(pooled.records.some((r) => r.stalenessMax > 0));
    assert.ok(pooled.records.every((r) => r.bytesDown > 0));
    assert.ok((pooled.records[pooled.records.length - 1]?.accuracy ?? 0) > 0.8);
  });

  it("order 'arrival' trains FedAsync with clients overlapping on both workers", async () => {
    const r = await runAsynchronous({
      grid,
      strategy: new FedAsync({ ...local, alpha: 0.6, staleness: { kind: 'hinge', a: 1, b: 2 } }),
      initial: SoftmaxClient.initialWeights(4, 3),
      seed: 4,
      concurrency: 4,
      updates: 30,
      evaluate,
      evaluateEvery: 10,
    });
    assert.equal(r.stopReason, 'updates');
    assert.equal(r.version, 30);
    assert.ok(
      r.records.some((x) => x.stalenessMax >= 1),
      'concurrent clients make stale updates',
    );
    assert.ok((r.records[r.records.length - 1]?.accuracy ?? 0) > 0.8);
  });
});
