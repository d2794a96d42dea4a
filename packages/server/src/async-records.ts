import type { AsyncRecord } from '@federa/core';

/**
 * One record holding the arrivals of `earlier` then `later` (the version and central
 * evaluation are `later`'s). The server uses it when a stretch of an asynchronous run ended
 * without a new version (every client went away): those arrivals — failures, buffered
 * updates — are stored with the next version's record instead of being lost or stored twice.
 */
export function mergeAsyncRecords(earlier: AsyncRecord, later: AsyncRecord): AsyncRecord {
  const clients = [...earlier.clients, ...later.clients];
  const succeeded = earlier.succeeded + later.succeeded;
  const tauSum =
    (earlier.succeeded > 0 ? earlier.stalenessMean * earlier.succeeded : 0) +
    (later.succeeded > 0 ? later.stalenessMean * later.succeeded : 0);
  const stalenessMean = succeeded > 0 ? tauSum / succeeded : Number.NaN;
  const stalenessMax = Math.max(earlier.stalenessMax, later.stalenessMax);
  let lossSum = 0;
  let lossExamples = 0;
  for (const c of clients) {
    const loss = c.metrics?.loss;
    // Folded-in updates are the ok ones without a `reason` (too stale, or drained).
    if (c.ok && c.reason === undefined && loss !== undefined && Number.isFinite(loss) && c.numExamples) {
      lossSum += loss * c.numExamples;
      lossExamples += c.numExamples;
    }
  }
  const num = (r: AsyncRecord, k: string) => r.metrics[k] ?? 0;
  return {
    ...later,
    trainLoss: lossExamples > 0 ? lossSum / lossExamples : Number.NaN,
    sampled: earlier.sampled + later.sampled,
    succeeded,
    failed: earlier.failed + later.failed,
    durationMs: earlier.durationMs + later.durationMs,
    bytesDown: earlier.bytesDown + later.bytesDown,
    bytesUp: earlier.bytesUp + later.bytesUp,
    stalenessMean,
    stalenessMax,
    metrics: {
      ...later.metrics,
      staleness_mean: stalenessMean,
      staleness_max: stalenessMax,
      rejected_stale: num(earlier, 'rejected_stale') + num(later, 'rejected_stale'),
      drained: num(earlier, 'drained') + num(later, 'drained'),
    },
    clients,
  };
}

/**
 * `r` with its run-wide counters set: `updates` folded in since the run began and
 * `elapsedMs` of training time (a record from a later stretch of the loop, or after a
 * restart, counts from where the stored ones left off).
 */
export function withRunTotals(r: AsyncRecord, updates: number, elapsedMs: number): AsyncRecord {
  return { ...r, updates, elapsedMs, metrics: { ...r.metrics, updates, elapsed_ms: elapsedMs } };
}
