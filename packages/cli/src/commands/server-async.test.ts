import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AsyncRecord } from '@federa/core';
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

test('`federa server` with strategy fedbuff trains asynchronously over the network: one stored, audited record per model version', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-cli-async-'));
  const config = parseConfig(
    {
      name: 'cli-buff',
      seed: 3,
      rounds: 3,
      data: { dataset: 'mnist', partition: 'iid', clients: 3, testSubset: 200 },
      model: 'mlp2nn',
      strategy: { name: 'fedbuff', bufferSize: 2 },
      async: { concurrency: 3 },
      client: { epochs: 1, batchSize: 20, lr: 0.05 },
    },
    'test',
  );
  const db = join(dir, 'buff.sqlite');
  const port = await freePort();
  const tokens = ['tok-a-000000', 'tok-b-111111', 'tok-c-222222'];
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  try {
    const server = serverCommand(config, { db, port, host: '127.0.0.1', tokens, minClients: 3, chunkMb: 0.25, log });
    const clients = [0, 1, 2].map((k) =>
      clientCommand({
        server: `ws://127.0.0.1:${port}/ws`,
        token: tokens[k] as string,
        data: 'mnist',
        shard: `${k}/3`,
        seed: 3,
        maxSamples: 60,
        identity: join(dir, `k${k}.json`),
        log,
      }),
    );
    await server;
    await Promise.all(clients);
    assert.ok(lines.some((l) => /fedbuff, to version 3, 3 clients at once/.test(l)));
    assert.ok(lines.some((l) => /: versions at version 3, accuracy/.test(l)));
    const runId = (lines.find((l) => l.startsWith('starting run ')) ?? '').split(' ')[2] as string;
    const store = SqliteStore.open(db);
    const records = (await store.rounds(runId)) as AsyncRecord[];
    const audit = await store.auditRows();
    await store.close();
    assert.deepEqual(
      records.map((r) => [r.round, r.version]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
    assert.ok(records.every((r) => r.succeeded >= 2 && Number.isFinite(r.accuracy) && r.accuracy > 0));
    assert.ok(records.every((r) => typeof r.metrics.staleness_max === 'number'));
    assert.equal(audit.length, 3, 'each version is in the audit chain');
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerAuditCommand(program, { out: (t) => out.push(t), err: (t) => out.push(t) });
    await program.parseAsync(['audit', 'verify', db], { from: 'user' });
    assert.match(out.join(''), /OK/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
