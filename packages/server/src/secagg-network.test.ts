import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientEvent, FederaClient } from '@federa/client';
import {
  type Client,
  FedAvg,
  LocalGrid,
  runFederated,
  SoftmaxClient,
  type Strategy,
  type TrainRes,
  withSecureAggregation,
} from '@federa/core';
import { NetworkSecAggChannel } from './secagg-channel.js';
import { softmaxInitial, softmaxShards, startClient, startServer } from './testing/fixtures.js';

const fedavg = () => new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1 });

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test('SecAgg over the network: clients mask their own updates and the server learns only the FedAvg mean', async () => {
  const shards = softmaxShards(4);
  const plain = await runFederated({
    grid: new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, new SoftmaxClient(d, `site-${k}`)])),
    strategy: fedavg(),
    initial: softmaxInitial(),
    rounds: 2,
    seed: 3,
  });
  const server = await startServer();
  const secure: Strategy = withSecureAggregation(fedavg(), {
    clip: 4,
    mode: 'secagg',
    channel: new NetworkSecAggChannel(server.hub, { deadlineMs: 20_000 }),
  });
  const updatesSeen: string[] = [];
  server.on((e) => {
    if (e.type === 'outcome' && e.kind === 'train' && e.updateHash) updatesSeen.push(e.clientId);
  });
  const events: ClientEvent[] = [];
  const clients = shards.map((d, k) =>
    startClient(server.url, `site-${k}`, new SoftmaxClient(d, `site-${k}`), { events, numExamples: d.y.length }),
  );
  try {
    const r = await server.train({
      name: 'secagg-net',
      config: { secagg: true },
      seed: 3,
      rounds: 2,
      strategy: secure,
      initial: softmaxInitial(),
      minClients: 4,
    });
    assert.equal(r.stopReason, 'rounds');
    for (const rec of r.rounds) {
      assert.equal(rec.succeeded, 4, JSON.stringify(rec.clients));
      assert.equal(rec.metrics.train_secagg_survivors, 4);
      // No plain update travelled: training replies upload nothing, the masked inputs carry the bytes.
      assert.equal(rec.bytesUp, 0);
      assert.ok((rec.metrics.train_secagg_bytes_up ?? 0) > 4 * 4 * softmaxInitial().size);
    }
    assert.deepEqual(updatesSeen, []);
    assert.ok(events.some((e) => e.type === 'task' && e.kind === 'secagg'));
    // The same as plain FedAvg, within the quantization step (n·c / 2^31 per coordinate, compounded over rounds).
    assert.ok(
      maxDiff(r.weights.data, plain.weights.data) < 1e-5,
      `max |Δ| ${maxDiff(r.weights.data, plain.weights.data)}`,
    );
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('SecAgg over the network survives a client that disconnects after sharing its keys', async () => {
  const shards = softmaxShards(4);
  const server = await startServer({ offlineGraceMs: 150 });
  const secure = withSecureAggregation(fedavg(), {
    clip: 4,
    mode: 'secagg',
    threshold: 3,
    channel: new NetworkSecAggChannel(server.hub, { deadlineMs: 20_000 }),
  });
  const clients: FederaClient[] = [];
  const trained = new Map<string, TrainRes>();
  let secaggTasks = 0;
  for (const [k, d] of shards.entries()) {
    const events: ClientEvent[] = [];
    const local = new SoftmaxClient(d, `site-${k}`);
    const recording: Client = {
      train: async (ins) => {
        const res = await local.train(ins);
        trained.set(ins.clientId, res);
        return res;
      },
      evaluate: (ins) => local.evaluate(ins),
    };
    const c = startClient(server.url, `site-${k}`, recording, {
      numExamples: d.y.length,
      events: new Proxy(events, {
        get(target, prop) {
          if (prop !== 'push' || k !== 2) return Reflect.get(target, prop);
          return (e: ClientEvent) => {
            // site-2 vanishes when the third SecAgg step (its shares, asking for its masked input) arrives.
            if (e.type === 'task' && e.kind === 'secagg' && ++secaggTasks === 3) clients[2]?.stop();
            return target.push(e);
          };
        },
      }),
    });
    clients.push(c);
  }
  try {
    const r = await server.train({
      name: 'secagg-drop',
      config: { drop: true },
      seed: 5,
      rounds: 1,
      strategy: secure,
      initial: softmaxInitial(),
      minClients: 4,
    });
    const rec = r.rounds[0]!;
    assert.equal(rec.metrics.train_secagg_survivors, 3);
    assert.equal(rec.metrics.train_secagg_dropped, 1);
    const out = rec.clients.find((c) => c.clientId === 'site-2');
    assert.equal(out?.ok, false);
    assert.match(String(out?.error), /E_DISCONNECTED.*maskedInputCollection/);
    // Expected: w_0 + the survivors' n-weighted mean update, from what the clients trained (recorded on their side).
    const w0 = softmaxInitial();
    const sum = new Float64Array(w0.size);
    let n = 0;
    for (const k of [0, 1, 3]) {
      const res = trained.get(`site-${k}`)!;
      for (let i = 0; i < w0.size; i++) sum[i]! += res.numExamples * res.update.data[i]!;
      n += res.numExamples;
    }
    const expected = w0.data.map((x, i) => x + sum[i]! / n);
    assert.ok(maxDiff(r.weights.data, expected) < 1e-5, `max |Δ| ${maxDiff(r.weights.data, expected)}`);
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});
