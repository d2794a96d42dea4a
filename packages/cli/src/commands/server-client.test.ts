import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '@federa/server';
import { Command } from 'commander';
import { parseConfig } from '../config/index.js';
import { registerAuditCommand } from './audit.js';
import { clientCommand } from './client.js';
import { serverCommand } from './server.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('`federa server` and two `federa client`s train a config over the network and record it in SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-cli-net-'));
  const config = parseConfig(
    {
      name: 'cli-net',
      seed: 2,
      rounds: 2,
      data: { dataset: 'mnist', partition: 'iid', clients: 2, testSubset: 200 },
      model: 'mlp2nn',
      strategy: { name: 'fedavg', fraction: 1 },
      client: { epochs: 1, batchSize: 20, lr: 0.05 },
    },
    'test',
  );
  const db = join(dir, 'net.sqlite');
  const port = await freePort();
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  try {
    const server = serverCommand(config, {
      db,
      port,
      host: '127.0.0.1',
      tokens: ['tok-site-0000', 'tok-site-1111'],
      minClients: 2,
      chunkMb: 0.25,
      log,
    });
    const url = `ws://127.0.0.1:${port}/ws`;
    // No wait for the server: clients retry with backoff until it listens.
    const clients = [0, 1].map((k) =>
      clientCommand({
        server: url,
        token: k === 0 ? 'tok-site-0000' : 'tok-site-1111',
        data: 'mnist',
        shard: `${k}/2`,
        seed: 2,
        maxSamples: 60,
        identity: join(dir, `k${k}.json`),
        log,
      }),
    );
    await server;
    await Promise.all(clients);
    const store = SqliteStore.open(db);
    assert.equal((await store.auditRows()).length, 2, 'each round is in the audit chain');
    const runId = (lines.find((l) => l.startsWith('starting run ')) ?? '').split(' ')[2] as string;
    const rounds = await store.rounds(runId);
    assert.deepEqual(
      (await store.clients()).map((c) => c.id),
      ['shard-0-of-2', 'shard-1-of-2'],
    );
    await store.close();
    assert.deepEqual(
      rounds.map((r) => [r.round, r.succeeded]),
      [
        [1, 2],
        [2, 2],
      ],
    );
    assert.ok(rounds.every((r) => Number.isFinite(r.accuracy) && r.accuracy > 0));
    assert.ok(lines.some((l) => /shard-0-of-2: round 2: sent train result/.test(l)));
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerAuditCommand(program, { out: (t) => out.push(t), err: (t) => out.push(t) });
    await program.parseAsync(['audit', 'verify', db], { from: 'user' });
    assert.match(out.join(''), /OK/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
