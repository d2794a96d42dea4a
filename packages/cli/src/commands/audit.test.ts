import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  AUDIT_SQLITE,
  AuditChain,
  type AuditEntry,
  auditRow,
  auditToJsonl,
  exportAuditPublicKey,
  generateAuditKeys,
  sha256Hex,
} from '@federa/core';
import Database from 'better-sqlite3';
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './audit.js';

const dir = mkdtempSync(join(tmpdir(), 'federa-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function chain(n: number) {
  const keys = await generateAuditKeys();
  const c = new AuditChain({ privateKey: keys.privateKey });
  const rows: AuditEntry[] = [];
  for (let r = 1; r <= n; r++) {
    const h = (s: string) => sha256Hex(new TextEncoder().encode(`${s}${r}`));
    rows.push(
      await c.append({
        round: r,
        strategy: 'FedAvg',
        weightsIn: await h('in'),
        weightsOut: await h('out'),
        clients: [{ clientId: 'c1', updateHash: await h('u') }],
        metrics: { accuracy: r / 10 },
        time: new Date(Date.UTC(2026, 0, 1, 0, 0, r)).toISOString(),
      }),
    );
  }
  return { rows, publicKey: await exportAuditPublicKey(keys.publicKey), head: c.head };
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('federa').exitOverride();
  registerAuditCommand(program, { out: (s) => (out += s), err: (s) => (err += s) });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

test('audit verify: an intact JSONL export prints OK and exits 0', async () => {
  const { rows, publicKey, head } = await chain(4);
  const file = join(dir, 'ok.jsonl');
  writeFileSync(file, auditToJsonl(rows, { federaAudit: 1, publicKey, head }));
  const r = await run(['audit', 'verify', file, '--key', publicKey]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^OK: 4 rows verified \(jsonl\); head seq 3 [0-9a-f]{64}\n$/);
  assert.equal(r.err, '');
  // Without --key it uses the file's own key and says what that does and does not prove.
  const self = await run(['audit', 'verify', file]);
  assert.equal(self.code, 0);
  assert.match(self.err, /not who wrote them/);
});

test('audit verify: a tampered JSONL row fails with its line and reason, exit 1', async () => {
  const { rows, publicKey } = await chain(4);
  const file = join(dir, 'bad.jsonl');
  const lines = auditToJsonl(rows, { federaAudit: 1, publicKey }).split('\n');
  lines[3] = lines[3].replace('"accuracy":0.3', '"accuracy":0.9');
  writeFileSync(file, lines.join('\n'));
  const r = await run(['audit', 'verify', file, '--key', publicKey]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^FAIL: row 2 \(line 4\): bad-hash: /);
  const json = await run(['audit', 'verify', file, '--key', publicKey, '--json']);
  assert.equal(json.code, 1);
  assert.deepEqual((({ ok, index, reason }) => ({ ok, index, reason }))(JSON.parse(json.out)), {
    ok: false,
    index: 2,
    reason: 'bad-hash',
  });
});

test('audit verify: a row deleted from the end is caught through the exported head', async () => {
  const { rows, publicKey, head } = await chain(3);
  const file = join(dir, 'cut.jsonl');
  writeFileSync(file, auditToJsonl(rows.slice(0, 2), { federaAudit: 1, publicKey, head }));
  const r = await run(['audit', 'verify', file, '--key', publicKey]);
  assert.equal(r.code, 1);
  assert.match(r.out, /truncated/);
});

test('audit verify: reads the server SQLite layout and names a deleted row', async () => {
  const { rows, publicKey } = await chain(5);
  const file = join(dir, 'server.db');
  const db = new Database(file);
  db.exec(AUDIT_SQLITE.schema);
  const insert = db.prepare(AUDIT_SQLITE.insert);
  for (const e of rows) {
    const row = auditRow(e);
    insert.run(row.seq, row.entry);
  }
  db.prepare(`INSERT INTO ${AUDIT_SQLITE.metaTable} (key, value) VALUES (?, ?)`).run(
    AUDIT_SQLITE.publicKeyName,
    publicKey,
  );
  db.close();
  const ok = await run(['audit', 'verify', file, '--key', publicKey]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /OK: 5 rows verified \(sqlite\)/);

  const db2 = new Database(file);
  db2.prepare(`DELETE FROM ${AUDIT_SQLITE.table} WHERE seq = 2`).run();
  db2.close();
  const bad = await run(['audit', 'verify', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /FAIL: row 2 \(audit_log\.seq = 3\): deleted: .*seq 2 is missing/);
});

test('audit export: a database chain becomes a JSONL file that verifies, and keeps a bad row bad', async () => {
  const { rows, publicKey } = await chain(3);
  const file = join(dir, 'export.db');
  const db = new Database(file);
  db.exec(AUDIT_SQLITE.schema);
  for (const e of rows) db.prepare(AUDIT_SQLITE.insert).run(auditRow(e).seq, auditRow(e).entry);
  db.prepare(`INSERT INTO ${AUDIT_SQLITE.metaTable} (key, value) VALUES (?, ?)`).run(
    AUDIT_SQLITE.publicKeyName,
    publicKey,
  );
  db.close();
  const out = join(dir, 'export.jsonl');
  const exported = await run(['audit', 'export', file, '--out', out]);
  assert.equal(exported.code, 0);
  assert.match(exported.err, /exported 3 audit rows/);
  const ok = await run(['audit', 'verify', out, '--key', publicKey]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /OK: 3 rows verified \(jsonl\)/);

  const db2 = new Database(file);
  db2.prepare(`UPDATE ${AUDIT_SQLITE.table} SET entry = ? WHERE seq = 1`).run('{"broken":');
  db2.close();
  const stdout = await run(['audit', 'export', file]);
  assert.equal(stdout.code, 0);
  const bad = join(dir, 'export-bad.jsonl');
  writeFileSync(bad, stdout.out);
  const r = await run(['audit', 'verify', bad, '--key', publicKey]);
  assert.equal(r.code, 1);
  assert.match(r.out, /FAIL: row 1 \(line 3\): malformed/);
  await assert.rejects(run(['audit', 'export', out]), /not a SQLite database/);
});

test('audit verify: a missing key, a bad key and a missing file are clear errors', async () => {
  const { rows } = await chain(1);
  const file = join(dir, 'nokey.jsonl');
  writeFileSync(file, auditToJsonl(rows));
  await assert.rejects(run(['audit', 'verify', file]), /carries no audit public key/);
  await assert.rejects(run(['audit', 'verify', file, '--key', 'nope']), /neither a base64 Ed25519 public key/);
  await assert.rejects(run(['audit', 'verify', join(dir, 'absent.jsonl'), '--key', 'x']), /cannot read/);
});
