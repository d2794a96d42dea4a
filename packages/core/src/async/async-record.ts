import type { RoundRecord } from '../history.js';
import type { Metrics } from '../messages.js';
import type { ClientRecord } from '../strategy.js';

/**
 * One record of an asynchronous run: a RoundRecord (so `History`, reports and
 * metrics.jsonl take it as is) whose `round` is the server model version, covering the
 * arrivals since the previous record. `sampled` counts arrivals, `succeeded` the updates
 * folded in, `failed` the failed or invalid replies; updates rejected as too stale or that
 * arrived after the run stopped are in `clients` with a `reason`, in neither count.
 * The async figures are also in `metrics` (`version`, `updates`, `staleness_mean`,
 * `staleness_max`, `elapsed_ms`, `rejected_stale`, `drained`).
 */
export interface AsyncRecord extends RoundRecord {
  /** The server model version after this record's arrivals (= round). */
  readonly version: number;
  /** Updates folded in since the run started, this record's included. */
  readonly updates: number;
  /** Mean and max staleness τ of this record's folded-in updates (NaN / 0 when none). */
  readonly stalenessMean: number;
  readonly stalenessMax: number;
  /** ms since the run started, at the end of this record (the x axis of accuracy vs time). */
  readonly elapsedMs: number;
}

/** Accumulates the arrivals between two records. */
export class RecordWindow {
  clients: ClientRecord[] = [];
  applied = 0;
  failed = 0;
  rejected = 0;
  drained = 0;
  tauSum = 0;
  tauMax = 0;
  lossSum = 0;
  lossExamples = 0;
  bytesDown = 0;
  bytesUp = 0;
  readonly opened: number;

  constructor(now: number) {
    this.opened = now;
  }

  get empty(): boolean {
    return this.clients.length === 0;
  }

  finish(p: {
    version: number;
    updates: number;
    now: number;
    elapsedMs: number;
    central?: { loss: number; accuracy: number; metrics?: Metrics };
  }): AsyncRecord {
    const stalenessMean = this.applied > 0 ? this.tauSum / this.applied : Number.NaN;
    return {
      round: p.version,
      version: p.version,
      loss: p.central?.loss ?? Number.NaN,
      accuracy: p.central?.accuracy ?? Number.NaN,
      trainLoss: this.lossExamples > 0 ? this.lossSum / this.lossExamples : Number.NaN,
      sampled: this.clients.length,
      succeeded: this.applied,
      failed: this.failed,
      durationMs: p.now - this.opened,
      bytesDown: this.bytesDown,
      bytesUp: this.bytesUp,
      updates: p.updates,
      stalenessMean,
      stalenessMax: this.tauMax,
      elapsedMs: p.elapsedMs,
      metrics: {
        version: p.version,
        updates: p.updates,
        staleness_mean: stalenessMean,
        staleness_max: this.tauMax,
        elapsed_ms: p.elapsedMs,
        rejected_stale: this.rejected,
        drained: this.drained,
        ...(p.central?.metrics ?? {}),
      },
      clients: this.clients,
      time: new Date().toISOString(),
    };
  }
}
