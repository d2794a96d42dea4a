import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AsyncRecord, ClientRecord } from '@federa/core';
import { mergeAsyncRecords, withRunTotals } from './async-records.js';

const record = (version: number, clients: ClientRecord[], extra: Partial<AsyncRecord> = {}): AsyncRecord => ({
  round: version,
  version,
  loss: Number.NaN,
  accuracy: Number.NaN,
  trainLoss: Number.NaN,
  sampled: clients.length,
  succeeded: 0,
  failed: 0,
  durationMs: 10,
  bytesDown: 100,
  bytesUp: 50,
  updates: 0,
  stalenessMean: Number.NaN,
  stalenessMax: 0,
  elapsedMs: 10,
  metrics: { rejected_stale: 0, drained: 0 },
  clients,
  time: 't',
  ...extra,
});
const applied = (id: string, loss: number, n: number): ClientRecord => ({
  clientId: id,
  ok: true,
  numExamples: n,
  metrics: { loss },
});

test('merging keeps both stretches’ arrivals: counts and bytes add, staleness and train loss are re-averaged over folded-in updates', () => {
  const earlier = record(
    4,
    [
      { clientId: 'a', ok: false, error: 'E_DISCONNECTED: gone' },
      applied('b', 1, 10),
      { clientId: 'c', ok: true, numExamples: 10, metrics: { loss: 9 }, reason: 'staleness 9 > maxStaleness 3' },
    ],
    { succeeded: 1, failed: 1, stalenessMean: 3, stalenessMax: 3, metrics: { rejected_stale: 1, drained: 0 } },
  );
  const later = record(5, [applied('d', 4, 30)], {
    succeeded: 1,
    stalenessMean: 1,
    stalenessMax: 1,
    accuracy: 0.8,
    metrics: { rejected_stale: 0, drained: 0, version: 5 },
  });
  const m = mergeAsyncRecords(earlier, later);
  assert.equal(m.version, 5);
  assert.equal(m.round, 5);
  assert.equal(m.accuracy, 0.8);
  assert.deepEqual(
    m.clients.map((c) => c.clientId),
    ['a', 'b', 'c', 'd'],
  );
  assert.deepEqual([m.sampled, m.succeeded, m.failed, m.bytesDown, m.bytesUp, m.durationMs], [4, 2, 1, 200, 100, 20]);
  assert.equal(m.stalenessMean, 2);
  assert.equal(m.stalenessMax, 3);
  assert.equal(m.trainLoss, (1 * 10 + 4 * 30) / 40, 'the rejected update’s loss is left out');
  assert.equal(m.metrics.rejected_stale, 1);
  assert.equal(m.metrics.staleness_mean, 2);
  assert.equal(m.metrics.version, 5);
  const none = mergeAsyncRecords(record(1, []), record(2, []));
  assert.ok(Number.isNaN(none.stalenessMean) && Number.isNaN(none.trainLoss));
});

test('run totals replace the stretch’s own update count and clock, in the fields and the metrics', () => {
  const r = withRunTotals(record(3, [], { updates: 2, elapsedMs: 5 }), 12, 900);
  assert.deepEqual([r.updates, r.elapsedMs, r.metrics.updates, r.metrics.elapsed_ms], [12, 900, 12, 900]);
});
