import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AsyncRecord } from '@federa/core';
import { SqliteStore } from '@federa/server';
import { Command } from 'commander';
import { parseConfig } from '../config/index.js';
import { registerAuditCommand } from './audit.js';
import { serveWithClients } from './testing.js';

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
  try {
    const { lines, db, runId } = await serveWithClients(config, {
      dir,
      tokens: ['tok-a-000000', 'tok-b-111111', 'tok-c-222222'],
      db: 'buff.sqlite',
    });
    assert.ok(lines.some((l) => /fedbuff, to version 3, 3 clients at once/.test(l)));
    assert.ok(lines.some((l) => /: versions at version 3, accuracy/.test(l)));
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
