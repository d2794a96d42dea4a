import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoundRecord } from '../history.js';
import { AuditChain, verifyAuditChain } from './chain.js';
import { auditRoundFromRecord } from './from-record.js';
import { sha256Hex } from './hash.js';
import { generateAuditKeys } from './keys.js';

const h = (s: string) => sha256Hex(new TextEncoder().encode(s));

const record: RoundRecord = {
  round: 4,
  loss: Number.NaN,
  accuracy: 0.8,
  trainLoss: 0.5,
  sampled: 3,
  succeeded: 2,
  failed: 1,
  durationMs: 10,
  bytesDown: 300,
  bytesUp: 200,
  metrics: { train_dp_epsilon: 1.5 },
  clients: [
    { clientId: 'a', ok: true, numExamples: 10 },
    { clientId: 'b', ok: false, error: 'E_TIMEOUT' },
    { clientId: 'c', ok: true, reason: 'flagged by krum' },
  ],
  time: '2026-01-01T00:00:00.000Z',
};

test('auditRoundFromRecord lists the answering clients with their hashes and the finite metrics', async () => {
  const updateHashes = new Map([
    ['a', await h('ua')],
    ['c', await h('uc')],
  ]);
  const r = auditRoundFromRecord(record, {
    strategy: 'Krum',
    weightsIn: await h('in'),
    weightsOut: await h('out'),
    updateHashes,
    runId: 'run-1',
  });
  assert.deepEqual(r.clients, [
    { clientId: 'a', updateHash: updateHashes.get('a'), numExamples: 10 },
    { clientId: 'c', updateHash: updateHashes.get('c') },
  ]);
  const keys = await generateAuditKeys();
  const row = await new AuditChain({ privateKey: keys.privateKey }).append(r);
  assert.deepEqual(row.metrics, { accuracy: 0.8, train_dp_epsilon: 1.5, train_loss: 0.5 });
  assert.equal(row.runId, 'run-1');
  assert.equal((await verifyAuditChain([row], keys.publicKey)).ok, true);
});

test('auditRoundFromRecord refuses to leave out an answering client without a hash', async () => {
  assert.throws(
    () =>
      auditRoundFromRecord(record, {
        strategy: 'FedAvg',
        weightsIn: '0'.repeat(64),
        weightsOut: '0'.repeat(64),
        updateHashes: { a: '1'.repeat(64) },
      }),
    /client 'c' answered but updateHashes has no hash/,
  );
});
