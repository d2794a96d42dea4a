import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateAuditKeys, hashWeights, SoftmaxClient, verifyAuditChain } from '@federa/core';
import { MemoryStore } from './store/memory-store.js';
import { softmaxInitial, softmaxShards, softmaxStrategy, startClient, startServer } from './testing/fixtures.js';

test('the server feeds the dashboard, /metrics and a signed audit chain whose rows name every update received', async () => {
  const keys = await generateAuditKeys();
  const store = new MemoryStore();
  const server = await startServer({ store, audit: keys });
  const shards = softmaxShards(3);
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, new SoftmaxClient(d, `site-${k}`)));
  try {
    const r = await server.train({
      name: 'obs',
      config: {},
      seed: 4,
      rounds: 2,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 3,
    });
    const rounds = (await (await fetch(`${server.httpUrl}/api/rounds`)).json()) as {
      round: number;
      succeeded: number;
    }[];
    assert.deepEqual(
      rounds.map((x) => [x.round, x.succeeded]),
      [
        [1, 3],
        [2, 3],
      ],
    );
    const status = (await (await fetch(`${server.httpUrl}/api/status`)).json()) as {
      state: string;
      round: number;
      runId: string;
    };
    assert.equal(status.state, 'finished');
    assert.equal(status.runId, r.runId);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /^federa_/m);

    const rows = await store.auditRows();
    assert.equal(rows.length, 2);
    const entries = rows.map(
      (x) =>
        JSON.parse(x.entry) as {
          clients: { clientId: string; updateHash: string }[];
          weightsOut: string;
          weightsIn: string;
        },
    );
    const check = await verifyAuditChain(entries, store.auditKey as string);
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.deepEqual(
      entries.map((e) => e.clients.map((c) => c.clientId).sort()),
      [
        ['site-0', 'site-1', 'site-2'],
        ['site-0', 'site-1', 'site-2'],
      ],
    );
    assert.ok(entries.every((e) => e.clients.every((c) => /^[0-9a-f]{64}$/.test(c.updateHash))));
    assert.equal(entries[1]?.weightsIn, entries[0]?.weightsOut, 'round 2 starts from what round 1 produced');
    assert.equal(entries[0]?.weightsIn, await hashWeights(softmaxInitial()));
    assert.equal(entries[1]?.weightsOut, await hashWeights(r.weights));
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});
