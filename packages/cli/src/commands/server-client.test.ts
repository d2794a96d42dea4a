import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '@federa/server';
import { Command } from 'commander';
import { parseConfig } from '../config/index.js';
import { registerAuditCommand } from './audit.js';
import { serveWithClients } from './testing.js';

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
  try {
    const { lines, db, runId } = await serveWithClients(config, {
      dir,
      tokens: ['tok-site-0000', 'tok-site-1111'],
      db: 'net.sqlite',
    });
    const store = SqliteStore.open(db);
    assert.equal((await store.auditRows()).length, 2, 'each round is in the audit chain');
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
