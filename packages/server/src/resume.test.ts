import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FedAdam, LocalGrid, runFederated, SoftmaxClient } from '@federa/core';
import { SqliteStore } from './store/sqlite-store.js';
import { softmaxInitial, softmaxShards, startServer, trainStopAndResume } from './testing/fixtures.js';

const fedAdam = () =>
  new FedAdam({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1, serverLr: 0.05, evaluateFraction: 1 });

test('a stopped server resumes from its SQLite checkpoint — strategy state (FedAdam moments) included — and ends bit-identical to an uninterrupted run', async () => {
  const shards = softmaxShards(3);
  const reference = await runFederated({
    grid: new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, new SoftmaxClient(d, `site-${k}`)])),
    strategy: fedAdam(),
    initial: softmaxInitial(),
    rounds: 5,
    seed: 11,
  });
  const dir = await mkdtemp(join(tmpdir(), 'federa-resume-'));
  const db = join(dir, 'run.sqlite');
  const plan = {
    name: 'adam',
    config: { strategy: 'fedadam' },
    seed: 11,
    rounds: 5,
    initial: softmaxInitial(),
    minClients: 3,
  };
  const {
    cut,
    resumed: r,
    store,
  } = await trainStopAndResume({
    open: async () => SqliteStore.open(db),
    shards,
    plan,
    strategy: fedAdam,
    cutAfter: 2,
    afterCut: async (reopened, stopped) => {
      assert.equal(stopped.stopReason, 'aborted');
      assert.deepEqual(
        (await reopened.rounds(stopped.runId)).map((x) => x.round),
        [1, 2],
      );
    },
  });
  try {
    assert.equal(r.runId, cut.runId);
    assert.equal(r.startRound, 3);
    assert.equal(r.stopReason, 'rounds');
    assert.deepEqual(r.weights.data, reference.weights.data);
    assert.deepEqual(
      r.rounds.map((x) => [x.round, x.trainLoss, x.fedLoss]),
      reference.history.rounds.map((x) => [x.round, x.trainLoss, x.fedLoss]),
    );
    assert.equal((await store.findRun('adam'))?.id, undefined, 'the run is marked finished');
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('resuming with a different config is refused (E_CONFIG) instead of mixing two runs', async () => {
  const store = SqliteStore.open(':memory:');
  await store.createRun({
    id: 'r1',
    name: 'x',
    configHash: 'not-this-config',
    configJson: '{}',
    seed: 1,
    rounds: 3,
    createdAt: new Date().toISOString(),
  });
  const server = await startServer({ store });
  try {
    await assert.rejects(
      server.train({
        name: 'x',
        config: { lr: 0.1 },
        seed: 1,
        rounds: 3,
        strategy: fedAdam(),
        initial: softmaxInitial(),
      }),
      (e: Error & { code?: string }) => e.code === 'E_CONFIG' && /different config/.test(e.message),
    );
  } finally {
    await server.stop();
    await store.close();
  }
});
