import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalGrid, runFederated, SoftmaxClient } from '@federa/core';
import { softmaxInitial, softmaxShards, softmaxStrategy, startClient, startServer } from './testing/fixtures.js';

test('a run over the network equals the same seeded run in process, bit for bit', async () => {
  const shards = softmaxShards(3);
  const local = await runFederated({
    grid: new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, new SoftmaxClient(d, `site-${k}`)])),
    strategy: softmaxStrategy(),
    initial: softmaxInitial(),
    rounds: 3,
    seed: 7,
  });
  const server = await startServer();
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, new SoftmaxClient(d, `site-${k}`)));
  try {
    const r = await server.train({
      name: 'net',
      config: { t: 1 },
      seed: 7,
      rounds: 3,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 3,
    });
    assert.equal(r.stopReason, 'rounds');
    assert.equal(r.rounds.length, 3);
    assert.deepEqual(r.weights.data, local.weights.data);
    assert.deepEqual(
      r.rounds.map((x) => x.trainLoss),
      local.history.rounds.map((x) => x.trainLoss),
    );
    assert.ok(r.rounds.every((x) => x.succeeded === 3 && x.bytesDown > 0 && x.bytesUp > 0));
    assert.deepEqual(await Promise.all(clients.map((c) => c.finished)), Array(3).fill('run finished: rounds'));
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});
