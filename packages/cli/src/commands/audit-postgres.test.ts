import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AuditChain, auditRow, exportAuditPublicKey, generateAuditKeys, type RoundRecord } from '@federa/core';
import { PostgresStore } from '@federa/server';
import { Command } from 'commander';
import pg from 'pg';
import { registerAuditCommand } from './audit.js';

const URL_ = process.env.FEDERA_PG_URL;
const skip = URL_ ? false : 'FEDERA_PG_URL unset: run scripts/start-postgres.sh';

function record(round: number): RoundRecord {
  return {
    round,
    loss: 1 / round,
    accuracy: 0.5,
    trainLoss: 1,
    sampled: 2,
    succeeded: 2,
    failed: 0,
    durationMs: 10,
    bytesDown: 100,
    bytesUp: 100,
    metrics: {},
    clients: [],
    time: new Date(0).toISOString(),
  } as RoundRecord;
}

async function verify(url: string): Promise<{ ok: boolean; text: string }> {
  const out: string[] = [];
  const program = new Command().exitOverride();
  registerAuditCommand(program, { out: (t) => out.push(t), err: () => {} });
  try {
    await program.parseAsync(['audit', 'verify', url], { from: 'user' });
    return { ok: true, text: out.join('') };
  } catch {
    return { ok: false, text: out.join('') };
  }
}

test('`federa audit verify postgres://…` checks the chain a server keeps in PostgreSQL and names a tampered row', {
  skip,
}, async () => {
  const schema = `audit_cli_${randomBytes(4).toString('hex')}`;
  const store = await PostgresStore.connect(URL_ as string, { schema });
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  try {
    const keys = await generateAuditKeys();
    await store.setAuditKey(await exportAuditPublicKey(keys.publicKey));
    await store.createRun({ id: 'r', name: 'r', configHash: 'h', configJson: '{}', seed: 1, rounds: 3, createdAt: '' });
    const chain = new AuditChain({ privateKey: keys.privateKey });
    for (let round = 1; round <= 3; round++) {
      const e = await chain.append({
        round,
        strategy: 'FedAvg',
        weightsIn: 'a'.repeat(64),
        weightsOut: 'b'.repeat(64),
        clients: [],
        metrics: { loss: 1 / round },
        time: new Date(0).toISOString(),
      });
      const checkpoint = { round, weights: new Uint8Array(8), strategyTensors: null, strategyJson: null };
      await store.saveRound('r', record(round), checkpoint, auditRow(e));
    }
    const url = `${URL_}${URL_?.includes('?') ? '&' : '?'}schema=${schema}`;
    const good = await verify(url);
    assert.ok(good.ok, good.text);
    assert.match(good.text, /OK: 3 rows verified \(postgres\)/);
    await admin.query(`UPDATE ${schema}.audit_log SET entry = replace(entry, '"round":2', '"round":9') WHERE seq = 1`);
    const bad = await verify(url);
    assert.equal(bad.ok, false);
    assert.match(bad.text, /FAIL: row 1 \(audit_log\.seq = 1\)/);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});
