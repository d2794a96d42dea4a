import {
  type AsyncRecord,
  type AsyncStrategy,
  FederaError,
  type GlobalEvaluator,
  type Metrics,
  runAsynchronous,
  type Weights,
} from '@federa/core';
import { AsyncAudit } from './async-audit.js';
import { makeAsyncCheckpoint } from './async-checkpoint.js';
import { mergeAsyncRecords, withRunTotals } from './async-records.js';
import type { Hub } from './hub.js';
import { NetworkGrid } from './network-grid.js';
import type { RunObserver } from './observe.js';
import { StoppableGrid } from './stoppable-grid.js';
import type { Store } from './store/store.js';

/** What the server trains asynchronously (FedBuff, FedAsync): the run's identity, its strategy and its start. */
export interface AsyncTrainingPlan {
  /** The run's name: a server restarted on the same store resumes the unfinished run of this name. */
  readonly name: string;
  /** The run's config (JSON-serialisable); a resumed run must have the same one. */
  readonly config: unknown;
  readonly seed: number;
  /** Stop when the server model reaches this version (one stored record and checkpoint per version). */
  readonly versions: number;
  /** A fresh strategy (its state is restored from the last checkpoint when resuming). */
  readonly strategy: AsyncStrategy;
  /** w_0 (ignored when resuming). */
  readonly initial: Weights;
  /** Clients training at once. */
  readonly concurrency: number;
  /** 'start' (default): updates applied in start order, reproducible from the seed; 'arrival': as they arrive. */
  readonly order?: 'arrival' | 'start';
  /** Updates staler than this are recorded but not applied. */
  readonly maxStaleness?: number;
  /** Wait for this many clients online before training starts, and again after every client went away (default 1). */
  readonly minClients?: number;
  /** Per-client deadline for a task, ms. */
  readonly deadlineMs?: number;
  readonly evaluate?: GlobalEvaluator;
  readonly evaluateEvery?: number;
  /** End the run once a stored version's test accuracy reaches this (needs `evaluate`). */
  readonly stopAtAccuracy?: number;
  /** Stop the run after this many failed replies in a row (default 10 × concurrency). */
  readonly maxConsecutiveFailures?: number;
  /** Called after each version's record and checkpoint are stored. */
  readonly onRecord?: (record: AsyncRecord, weights: Weights) => void | Promise<void>;
}

/** How an asynchronous server run ended. */
export interface AsyncServerRunResult {
  readonly runId: string;
  /** The last stored version's weights (a version made while stopping is not stored, nor returned). */
  readonly weights: Weights;
  readonly version: number;
  /** Every stored record of the run (one per version), the ones before a resume included. */
  readonly records: readonly AsyncRecord[];
  /**
   * 'versions': reached `plan.versions`; 'accuracy': reached `stopAtAccuracy`; 'failures': too
   * many failed replies in a row; 'aborted': `stop()`.
   */
  readonly stopReason: 'versions' | 'accuracy' | 'failures' | 'aborted';
  /** The version this process started from (0 unless it resumed). */
  readonly startVersion: number;
  /** Times training paused because no client was left, and resumed once `minClients` were back. */
  readonly pauses: number;
}

/** The server's parts the asynchronous loop uses. */
export interface AsyncLoopContext {
  readonly hub: Hub;
  readonly store: Store;
  readonly observer: RunObserver;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly runId: string;
  /** The audit chain's signing key: each stored version gets a signed row (see AsyncAudit). */
  readonly auditKey?: CryptoKey;
  /** Called once a version is stored (the server serves it: /healthz, predictions). */
  readonly published: (version: number, weights: Weights) => void;
}

/**
 * Runs `runAsynchronous` over the network from `start` (version 0, or a restored checkpoint)
 * to `plan.versions`: every record is stored with its version's checkpoint in one `saveRound`
 * (version = round), fed to the dashboard and the audit chain. When every client went away
 * (the loop's 'no-clients' stop) it waits for `minClients` again and continues from the
 * current version, the strategy's state kept; the arrivals of a stretch that made no new
 * version are stored with the next version's record. Updates in flight when the server stops
 * are lost: after a restart, new tasks redo that work.
 */
export async function trainAsyncLoop(
  ctx: AsyncLoopContext,
  plan: AsyncTrainingPlan,
  start: { readonly weights: Weights; readonly version: number; readonly before: readonly AsyncRecord[] },
): Promise<Omit<AsyncServerRunResult, 'runId' | 'startVersion'>> {
  const { hub, store, observer, log, runId } = ctx;
  const reached = new AbortController(); // stopAtAccuracy: ends the loop like stop(), but the run finishes
  const signal = AbortSignal.any([ctx.signal, reached.signal]);
  // stop() cuts the tasks in flight short; reaching the accuracy lets them finish (they are drained).
  const grid = new StoppableGrid(new NetworkGrid(hub), ctx.signal, reached.signal);
  const minClients = plan.minClients ?? 1;
  const expected = plan.strategy.updatesPerVersion ?? plan.concurrency;
  const records = [...start.before];
  let t0 = Number.NaN; // set once the first clients are in: waiting for them is not training time
  const elapsedBefore = start.before.at(-1)?.elapsedMs ?? 0;
  let updatesBefore = start.before.at(-1)?.updates ?? 0;
  let weights = start.weights;
  let version = start.version;
  let stored = { version: start.version, weights: start.weights };
  let tail: AsyncRecord | undefined;
  let applied = 0;
  let pauses = 0;
  const audit = ctx.auditKey ? new AsyncAudit(hub, store, ctx.auditKey) : undefined;
  await audit?.begin(weights);
  void observer.roundStart(version + 1, expected, undefined);
  const evaluate = plan.evaluate && once(plan.evaluate);

  const onRecord = async (segmentRecord: AsyncRecord, w: Weights, base: number): Promise<void> => {
    if (signal.aborted) return; // a version made while stopping is not stored: it is redone on resume
    const r = withRunTotals(segmentRecord, base + segmentRecord.updates, elapsedBefore + performance.now() - t0);
    if (r.version <= stored.version) {
      tail = tail ? mergeAsyncRecords(tail, r) : r; // no new version: carried to the next record
      return;
    }
    const record = tail ? mergeAsyncRecords(tail, r) : r;
    tail = undefined;
    const row = await audit?.row(runId, plan.strategy.name, record, w);
    await store.saveRound(runId, record, makeAsyncCheckpoint(record.version, w, plan.strategy), row);
    stored = { version: record.version, weights: w };
    records.push(record);
    observer.roundDone(record);
    ctx.published(record.version, w);
    log(describe(record));
    applied = 0;
    await plan.onRecord?.(record, w);
    if (plan.stopAtAccuracy !== undefined && record.accuracy >= plan.stopAtAccuracy) reached.abort();
    if (record.version < plan.versions) void observer.roundStart(record.version + 1, expected, undefined);
  };

  let stopReason: AsyncServerRunResult['stopReason'] = 'versions';
  try {
    while (version < plan.versions) {
      try {
        log(`waiting for ${minClients} client(s)`);
        await hub.waitForClients(minClients, signal);
        if (Number.isNaN(t0)) t0 = performance.now();
      } catch {
        stopReason = ctx.signal.aborted ? 'aborted' : 'accuracy';
        break;
      }
      const base = updatesBefore;
      const r = await runAsynchronous({
        grid,
        strategy: plan.strategy,
        initial: weights,
        startVersion: version,
        versions: plan.versions,
        seed: plan.seed,
        concurrency: plan.concurrency,
        order: plan.order ?? 'start',
        signal,
        ...(plan.maxStaleness !== undefined ? { maxStaleness: plan.maxStaleness } : {}),
        ...(evaluate ? { evaluate } : {}),
        ...(plan.evaluateEvery !== undefined ? { evaluateEvery: plan.evaluateEvery } : {}),
        ...(plan.maxConsecutiveFailures !== undefined ? { maxConsecutiveFailures: plan.maxConsecutiveFailures } : {}),
        ...(plan.deadlineMs !== undefined ? { send: { deadlineMs: plan.deadlineMs } } : {}),
        onArrival: (a) => {
          if (a.outcome === 'applied') observer.clientDone(a.version + 1, ++applied, expected);
        },
        onRecord: (rec, w) => onRecord(rec, w, base),
      });
      updatesBefore += r.updates;
      weights = r.weights;
      version = r.version;
      if (signal.aborted) {
        stopReason = ctx.signal.aborted ? 'aborted' : 'accuracy';
        break;
      }
      if (r.stopReason !== 'no-clients') {
        stopReason = r.stopReason === 'failures' ? 'failures' : 'versions';
        break;
      }
      pauses++;
      log(`no client left to train at version ${version}: training pauses until ${minClients} client(s) are online`);
    }
  } finally {
    audit?.close();
  }
  if (tail && stopReason !== 'aborted') {
    log(`${tail.sampled} arrival(s) after version ${stored.version} made no new version and are not stored`);
  }
  return { weights: stored.weights, version: stored.version, records, stopReason, pauses };
}

/** Checks what `runAsynchronous` would only check once clients are online. */
export function validateAsyncPlan(plan: AsyncTrainingPlan): void {
  const posInt = (v: unknown, name: string, hint: string): void => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
      throw new FederaError('E_ARG', `trainAsync: ${name} must be a positive integer, got ${String(v)}`, hint);
    }
  };
  posInt(plan.versions, 'versions', 'the server model version to stop at, e.g. 50');
  posInt(plan.concurrency, 'concurrency', 'the number of clients training at once, e.g. 10');
  if (plan.minClients !== undefined) posInt(plan.minClients, 'minClients', 'clients online before training starts');
  if (plan.deadlineMs !== undefined) posInt(plan.deadlineMs, 'deadlineMs', 'a per-task deadline in ms, or none');
  const target = plan.stopAtAccuracy;
  if (target !== undefined && !(target > 0 && target <= 1 && plan.evaluate)) {
    throw new FederaError(
      'E_ARG',
      `trainAsync: stopAtAccuracy must be in (0, 1] and needs evaluate, got ${target}${plan.evaluate ? '' : ' without evaluate'}`,
      'pass evaluate (the server-side test), or leave stopAtAccuracy out',
    );
  }
}

/** The evaluator, called once per version (a stretch that made no new version does not evaluate it again). */
function once(evaluate: GlobalEvaluator): GlobalEvaluator {
  let last: { version: number; result: ReturnType<GlobalEvaluator> } | undefined;
  return (w, version) => {
    if (last?.version !== version) last = { version, result: evaluate(w, version) };
    return last.result;
  };
}

function describe(r: AsyncRecord): string {
  const m: Metrics = r.metrics;
  const acc = Number.isFinite(r.accuracy) ? `, accuracy ${r.accuracy.toFixed(4)}` : '';
  const tau = Number.isFinite(r.stalenessMean) ? r.stalenessMean.toFixed(2) : 'n/a';
  return `version ${r.version}: ${r.succeeded} update(s) folded in, ${r.failed} failed, ${m.rejected_stale ?? 0} too stale; staleness mean ${tau}, max ${r.stalenessMax}${acc}`;
}
