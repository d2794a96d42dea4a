import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Weights } from '../weights.js';
import { AuditChain, verifyAuditChain } from './chain.js';
import { toBase64 } from './encoding.js';
import { type AuditEntry, type AuditRound, entryHash, GENESIS_HASH } from './entry.js';
import { hashWeights } from './hash.js';
import { auditToJsonl, parseAuditJsonl } from './jsonl.js';
import {
  exportAuditPrivateKey,
  exportAuditPublicKey,
  generateAuditKeys,
  importAuditPrivateKey,
  importAuditPublicKey,
} from './keys.js';

function weights(seed: number): Weights {
  const data = new Float32Array(6).map((_, i) => Math.sin(seed * 7 + i));
  return new Weights([{ name: 'w', shape: [2, 3] }], data);
}

async function rounds(n: number): Promise<AuditRound[]> {
  const out: AuditRound[] = [];
  for (let r = 1; r <= n; r++) {
    out.push({
      round: r,
      strategy: 'FedAvg',
      weightsIn: await hashWeights(weights(r)),
      weightsOut: await hashWeights(weights(r + 1)),
      clients: [
        { clientId: 'a', updateHash: await hashWeights(weights(100 + r)), numExamples: 10 },
        { clientId: 'b', updateHash: await hashWeights(weights(200 + r)) },
      ],
      metrics: { accuracy: 0.5 + r / 100, loss: 1 / r, skipped: Number.NaN },
      time: `2026-01-01T00:00:0${r}.000Z`,
    });
  }
  return out;
}

async function chainOf(n: number) {
  const keys = await generateAuditKeys();
  const chain = new AuditChain({ privateKey: keys.privateKey });
  const rows: AuditEntry[] = [];
  for (const r of await rounds(n)) rows.push(await chain.append(r));
  return { keys, chain, rows };
}

test('an untouched chain verifies, rows link and seqs count from 0', async () => {
  const { keys, chain, rows } = await chainOf(5);
  assert.deepEqual(
    rows.map((r) => r.seq),
    [0, 1, 2, 3, 4],
  );
  assert.equal(rows[0].prevHash, GENESIS_HASH);
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i].prevHash, rows[i - 1].hash);
  assert.equal('skipped' in rows[0].metrics, false, 'NaN metrics are left out');
  assert.deepEqual(chain.head, { seq: 4, hash: rows[4].hash });
  const res = await verifyAuditChain(rows, keys.publicKey, { head: chain.head });
  assert.deepEqual(res, { ok: true, count: 5, head: chain.head });
});

test('an edited row is named with reason bad-hash', async () => {
  const { keys, rows } = await chainOf(5);
  const bad = rows.map((r) => ({ ...r }));
  bad[2] = { ...bad[2], metrics: { ...bad[2].metrics, accuracy: 0.99 } };
  const res = await verifyAuditChain(bad, keys.publicKey);
  assert.equal(res.ok, false);
  assert.ok(!res.ok);
  assert.equal(res.index, 2);
  assert.equal(res.reason, 'bad-hash');
  assert.match(res.message, /row 2: .*round 3/);
});

test('an edited row whose hash was recomputed fails its signature', async () => {
  const { keys, rows } = await chainOf(4);
  const edited = { ...rows[1], clients: rows[1].clients.slice(0, 1) };
  const forged = { ...edited, hash: await entryHash(edited) };
  const res = await verifyAuditChain([rows[0], forged, rows[2], rows[3]], keys.publicKey);
  assert.ok(!res.ok);
  assert.equal(res.index, 1);
  assert.equal(res.reason, 'bad-signature');
});

test('a forged signature (random bytes, or another key) is named', async () => {
  const { keys, rows } = await chainOf(3);
  const junk = toBase64(new Uint8Array(64).fill(7));
  const res = await verifyAuditChain([rows[0], rows[1], { ...rows[2], signature: junk }], keys.publicKey);
  assert.ok(!res.ok);
  assert.deepEqual([res.index, res.reason], [2, 'bad-signature']);
  const other = await generateAuditKeys();
  const res2 = await verifyAuditChain(rows, other.publicKey);
  assert.ok(!res2.ok);
  assert.deepEqual([res2.index, res2.reason], [0, 'bad-signature']);
});

test('a deleted row is named at the position where it is missing', async () => {
  const { keys, rows } = await chainOf(5);
  const res = await verifyAuditChain([rows[0], rows[1], rows[3], rows[4]], keys.publicKey);
  assert.ok(!res.ok);
  assert.deepEqual([res.index, res.reason], [2, 'deleted']);
  assert.match(res.message, /seq 2 is missing before seq 3/);
  const first = await verifyAuditChain(rows.slice(1), keys.publicKey);
  assert.ok(!first.ok);
  assert.deepEqual([first.index, first.reason], [0, 'deleted']);
});

test('swapped rows are named reordered', async () => {
  const { keys, rows } = await chainOf(5);
  const res = await verifyAuditChain([rows[0], rows[2], rows[1], rows[3], rows[4]], keys.publicKey);
  assert.ok(!res.ok);
  assert.deepEqual([res.index, res.reason], [1, 'reordered']);
  const dup = await verifyAuditChain([rows[0], rows[1], rows[1]], keys.publicKey);
  assert.ok(!dup.ok);
  assert.deepEqual([dup.index, dup.reason], [2, 'reordered']);
});

test('rows signed by the right key but spliced from another chain are bad-link', async () => {
  const keys = await generateAuditKeys();
  const rs = await rounds(3);
  const a = new AuditChain({ privateKey: keys.privateKey });
  const b = new AuditChain({ privateKey: keys.privateKey });
  const ra = [await a.append(rs[0]), await a.append(rs[1]), await a.append(rs[2])];
  const rb = [await b.append(rs[0]), await b.append({ ...rs[1], metrics: { loss: 9 } })];
  const res = await verifyAuditChain([ra[0], rb[1], ra[2]], keys.publicKey);
  assert.ok(res.ok === false);
  // rb[1] links to rb[0], which equals ra[0] (same content): the splice shows at row 2.
  assert.deepEqual([res.index, res.reason], [2, 'bad-link']);
});

test('truncation is caught only against an expected head', async () => {
  const { keys, chain, rows } = await chainOf(4);
  assert.equal((await verifyAuditChain(rows.slice(0, 3), keys.publicKey)).ok, true);
  const res = await verifyAuditChain(rows.slice(0, 3), keys.publicKey, { head: chain.head });
  assert.ok(!res.ok);
  assert.deepEqual([res.index, res.reason], [3, 'truncated']);
});

test('malformed rows are named', async () => {
  const { keys, rows } = await chainOf(2);
  const res = await verifyAuditChain([rows[0], { ...rows[1], weightsIn: 'xyz' }], keys.publicKey);
  assert.ok(!res.ok);
  assert.deepEqual([res.index, res.reason], [1, 'malformed']);
  assert.match(res.message, /weightsIn/);
  const str = await verifyAuditChain(['not json'], keys.publicKey);
  assert.ok(!str.ok);
  assert.equal(str.reason, 'malformed');
});

test('a chain resumes from its head after a restart, with the key reloaded from PKCS#8', async () => {
  const { keys, chain, rows } = await chainOf(2);
  const pem = await exportAuditPrivateKey(keys.privateKey);
  const reloaded = await importAuditPrivateKey(pem);
  const pub = await exportAuditPublicKey(reloaded.publicKey);
  assert.equal(pub, await exportAuditPublicKey(keys.publicKey));
  const resumed = new AuditChain({ privateKey: reloaded.privateKey, head: chain.head });
  const [r3] = await rounds(1);
  const row = await resumed.append({ ...r3, round: 3 });
  assert.equal(row.seq, 2);
  const res = await verifyAuditChain([...rows, row], pub);
  assert.equal(res.ok, true);
  // Verifying only the new segment from the stored head also works.
  assert.equal((await verifyAuditChain([row], await importAuditPublicKey(pub), { start: chain.head })).ok, true);
});

test('concurrent appends form one chain in call order', async () => {
  const keys = await generateAuditKeys();
  const chain = new AuditChain({ privateKey: keys.privateKey });
  const rs = await rounds(6);
  const rows = await Promise.all(rs.map((r) => chain.append(r)));
  assert.deepEqual(
    rows.map((r) => r.round),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal((await verifyAuditChain(rows, keys.publicKey)).ok, true);
});

test('JSONL export round-trips, and verification names the bad line', async () => {
  const { keys, rows } = await chainOf(3);
  const publicKey = await exportAuditPublicKey(keys.publicKey);
  const text = auditToJsonl(rows, { federaAudit: 1, publicKey });
  const parsed = parseAuditJsonl(text);
  assert.equal(parsed.header?.publicKey, publicKey);
  assert.deepEqual(parsed.lines, [2, 3, 4]);
  assert.equal((await verifyAuditChain(parsed.entries, publicKey)).ok, true);
  const tampered = text.replace('"clientId":"b"', '"clientId":"c"');
  const again = parseAuditJsonl(tampered);
  const res = await verifyAuditChain(again.entries, publicKey);
  assert.ok(!res.ok);
  assert.equal(res.reason, 'bad-hash');
  assert.equal(again.lines[res.index], 2);
});

test('hashWeights depends on values and layout', async () => {
  const w = weights(1);
  const h = await hashWeights(w);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(await hashWeights(new Weights(w.specs, w.data.slice())), h);
  const moved = new Weights([{ name: 'w', shape: [3, 2] }], w.data.slice());
  assert.notEqual(await hashWeights(moved), h);
  const bumped = w.data.slice();
  bumped[5] += 1e-6;
  assert.notEqual(await hashWeights(new Weights(w.specs, bumped)), h);
});

test('AuditChain refuses a missing key and a bad head', async () => {
  const keys = await generateAuditKeys();
  assert.throws(() => new AuditChain({ privateKey: keys.publicKey }), /E_AUDIT_KEY|private/);
  assert.throws(() => new AuditChain({ privateKey: keys.privateKey, head: { seq: 0, hash: 'ab' } }), /head/);
  await assert.rejects(importAuditPublicKey('short'), /32 raw Ed25519 bytes/);
});
