import { FederaError } from '../errors.js';
import type { Grid, SendOptions } from '../grid.js';
import { History } from '../history.js';
import type { GlobalEvaluator } from '../loop.js';
import type { ClientInfo } from '../messages.js';
import { Rng } from '../rng.js';
import { replyProblem } from '../strategy/weighted-updates.js';
import type { Weights } from '../weights.js';
import { type AsyncRecord, RecordWindow } from './async-record.js';
import type { AsyncStrategy } from './async-strategy.js';
import { type Flight, Flights } from './flights.js';

export interface AsyncRunOptions {
  readonly grid: Grid;
  readonly strategy: AsyncStrategy;
  /** The model at version `startVersion`. */
  readonly initial: Weights;
  /** Seeds which idle client starts next and each client's `seed` config. */
  readonly seed: number;
  /** Clients training at once (capped by the idle clients available); a client never runs twice at once. */
  readonly concurrency: number;
  /** Stop after this many updates were folded in during this run. */
  readonly updates?: number;
  /** Stop when the server model reaches this version (versions count from `startVersion`, default 0). */
  readonly versions?: number;
  /** The version of `initial` when resuming from a checkpoint (default 0). */
  readonly startVersion?: number;
  /**
   * 'arrival' (default): replies are processed in completion order, real asynchrony.
   * 'start': in the order clients were started, so a seeded run is reproduced exactly
   * whatever the timing (clients still train concurrently).
   */
  readonly order?: 'arrival' | 'start';
  /** Updates staler than this are not applied (recorded with a reason). Default: no limit. */
  readonly maxStaleness?: number;
  /** Centralised evaluation of the model (called with the version as `round`). */
  readonly evaluate?: GlobalEvaluator;
  /** Evaluate at records whose version is a multiple of this (default 1); the last record is always evaluated. */
  readonly evaluateEvery?: number;
  /** Write a record every this many versions (default 1), and one at the end. */
  readonly recordEvery?: number;
  /** Stop after this many failed or invalid replies in a row (default 10 × concurrency). */
  readonly maxConsecutiveFailures?: number;
  readonly send?: SendOptions;
  readonly signal?: AbortSignal;
  /** ms clock (default performance.now). */
  readonly clock?: () => number;
  /** Called after every arrival, once it was processed. */
  readonly onArrival?: (a: Arrival) => void;
  readonly onRecord?: (record: AsyncRecord, weights: Weights) => void | Promise<void>;
}

/** One processed reply. */
export interface Arrival {
  readonly clientId: string;
  /** The version the client started from, and the server's when its reply was processed. */
  readonly startVersion: number;
  readonly version: number;
  /** τ = version − startVersion (at processing time, before this update's own version bump). */
  readonly staleness: number;
  readonly outcome: 'applied' | 'failed' | 'stale';
  /** The weight the strategy gave it (α_t, s(τ)); undefined unless applied. */
  readonly weight?: number;
}

export interface AsyncRunResult {
  readonly weights: Weights;
  /** The server version of `weights`. */
  readonly version: number;
  /** Updates folded in during this run. */
  readonly updates: number;
  /** Its rounds are the AsyncRecords (also in `records`, typed). */
  readonly history: History;
  readonly records: readonly AsyncRecord[];
  readonly stopReason: 'updates' | 'versions' | 'aborted' | 'failures' | 'no-clients';
}

/**
 * The asynchronous training loop: keeps `concurrency` clients training at once, each started
 * with the current model and its version; as each reply arrives it is validated
 * (`replyProblem`), its staleness τ = current version − its start version is computed, the
 * strategy folds it in (possibly making a new version), and another idle client is started.
 * Stops at `updates` folded-in updates, at version `versions`, on abort, when no client is
 * idle, or after `maxConsecutiveFailures` failures in a row; it then waits for the clients
 * still in flight (their replies are recorded as drained, not applied). Client failures are
 * data in the records, never thrown; the loop throws for bad options or a failing strategy
 * (after waiting for the clients in flight). Memory: the model versions that clients in
 * flight started from are kept (at most `concurrency` + 1 models).
 *
 * @example
 * const r = await runAsynchronous({ grid, strategy: new FedBuff({ bufferSize: 5, epochs: 1, batchSize: 10, lr: 0.1 }),
 *   initial, seed: 1, concurrency: 8, updates: 200, evaluate });
 */
export async function runAsynchronous(opts: AsyncRunOptions): Promise<AsyncRunResult> {
  validate(opts);
  const clock = opts.clock ?? (() => performance.now());
  const order = opts.order ?? 'arrival';
  const recordEvery = opts.recordEvery ?? 1;
  const evaluateEvery = opts.evaluateEvery ?? 1;
  const maxFailures = opts.maxConsecutiveFailures ?? 10 * opts.concurrency;
  const rng = new Rng(`${opts.seed}:async:${opts.startVersion ?? 0}`);
  const flights = new Flights(opts.grid, opts.send);
  const history = new History();
  const records: AsyncRecord[] = [];
  const t0 = clock();
  let weights = opts.initial;
  let version = opts.startVersion ?? 0;
  let updates = 0;
  let failuresInRow = 0;
  let window = new RecordWindow(t0);
  let lastEvaluated = -1;
  let stopReason: AsyncRunResult['stopReason'] | undefined;

  const stopNow = (): AsyncRunResult['stopReason'] | undefined => {
    if (opts.signal?.aborted) return 'aborted';
    if (opts.updates !== undefined && updates >= opts.updates) return 'updates';
    if (opts.versions !== undefined && version >= opts.versions) return 'versions';
    if (failuresInRow >= maxFailures) return 'failures';
    return undefined;
  };
  const fill = (): void => {
    while (flights.size < opts.concurrency) {
      const idle = opts.grid.nodes().filter((n: ClientInfo) => !flights.busy(n.id));
      if (idle.length === 0) return;
      const c = idle[rng.int(idle.length)] as ClientInfo;
      const config = opts.strategy.clientConfig(rng.u32());
      flights.start({ clientId: c.id, round: version, weights, config }, version);
    }
  };
  const record = async (final: boolean): Promise<void> => {
    const evaluateIt = opts.evaluate && (version % evaluateEvery === 0 || final) && lastEvaluated !== version;
    const central = evaluateIt ? await opts.evaluate?.(weights, version) : undefined;
    if (evaluateIt) lastEvaluated = version;
    const now = clock();
    const r = window.finish({ version, updates, now, elapsedMs: now - t0, ...(central ? { central } : {}) });
    window = new RecordWindow(now);
    records.push(r);
    history.push(r);
    await opts.onRecord?.(r, weights);
  };

  const onAbort = () => flights.poke();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    stopReason = stopNow();
    if (!stopReason) fill();
    while (!stopReason) {
      if (flights.size === 0) {
        stopReason = 'no-clients';
        break;
      }
      const f = await flights.next(order, () => opts.signal?.aborted === true);
      if (!f) {
        stopReason = stopNow() ?? 'no-clients';
        break;
      }
      const made = await processArrival(f);
      stopReason = stopNow();
      if (stopReason) break; // the final record covers this arrival and the drained ones
      if (made && version % recordEvery === 0) await record(false);
      fill();
    }
  } catch (e) {
    await flights.drain(); // leave the grid idle before reporting the strategy's failure
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  for (const f of await flights.drain()) {
    const o = f.outcome;
    window.clients.push(
      o?.ok
        ? {
            clientId: f.clientId,
            ok: true,
            numExamples: o.value.numExamples,
            reason: 'arrived after the run stopped; not applied',
          }
        : {
            clientId: f.clientId,
            ok: false,
            error: o?.ok === false ? `${o.error.code}: ${o.error.message}` : 'no outcome',
          },
    );
    window.drained++;
  }
  const last = records[records.length - 1];
  if (!window.empty || !last || last.version !== version || (opts.evaluate && lastEvaluated !== version)) {
    await record(true);
  }
  return { weights, version, updates, history, records, stopReason };

  /** Folds one arrival in; true when it made a new version. */
  async function processArrival(f: Flight): Promise<boolean> {
    const o = f.outcome ?? {
      ok: false as const,
      clientId: f.clientId,
      error: { code: 'E_GRID', message: 'no outcome' },
    };
    const tau = version - f.version;
    window.bytesDown += o.bytesDown ?? 0;
    window.bytesUp += o.bytesUp ?? 0;
    const arrival = { clientId: f.clientId, startVersion: f.version, version, staleness: tau };
    const problem = replyProblem(weights, o);
    if (problem !== undefined || !o.ok) {
      window.clients.push({ clientId: f.clientId, ok: false, error: problem });
      window.failed++;
      failuresInRow++;
      opts.onArrival?.({ ...arrival, outcome: 'failed' });
      return false;
    }
    failuresInRow = 0;
    const res = o.value;
    if (opts.maxStaleness !== undefined && tau > opts.maxStaleness) {
      window.clients.push({
        clientId: f.clientId,
        ok: true,
        numExamples: res.numExamples,
        metrics: { ...res.metrics, staleness: tau },
        reason: `staleness ${tau} > maxStaleness ${opts.maxStaleness}; not applied`,
      });
      window.rejected++;
      opts.onArrival?.({ ...arrival, outcome: 'stale' });
      return false;
    }
    const step = opts.strategy.apply(weights, f.base, res, tau);
    updates++;
    window.applied++;
    window.tauSum += tau;
    window.tauMax = Math.max(window.tauMax, tau);
    const loss = res.metrics.loss;
    if (loss !== undefined && Number.isFinite(loss)) {
      window.lossSum += loss * res.numExamples;
      window.lossExamples += res.numExamples;
    }
    window.clients.push({
      clientId: f.clientId,
      ok: true,
      numExamples: res.numExamples,
      metrics: { ...res.metrics, staleness: tau, weight: step.weight },
    });
    opts.onArrival?.({ ...arrival, outcome: 'applied', weight: step.weight });
    if (!step.weights) return false;
    weights = step.weights;
    version++;
    return true;
  }
}

function validate(o: AsyncRunOptions): void {
  const posInt = (v: unknown, name: string, hint?: string): void => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
      throw new FederaError('E_ARG', `runAsynchronous: ${name} must be a positive integer, got ${String(v)}`, hint);
    }
  };
  posInt(o.concurrency, 'concurrency', 'the number of clients training at once, e.g. 10');
  if (o.updates === undefined && o.versions === undefined && !o.signal) {
    throw new FederaError('E_ARG', 'runAsynchronous: give `updates`, `versions` or a `signal`, or it never stops');
  }
  if (o.updates !== undefined) posInt(o.updates, 'updates');
  const start = o.startVersion ?? 0;
  if (!(Number.isInteger(start) && start >= 0)) {
    throw new FederaError('E_ARG', `runAsynchronous: startVersion must be an integer ≥ 0, got ${start}`);
  }
  if (o.versions !== undefined && !(Number.isInteger(o.versions) && o.versions > start)) {
    throw new FederaError(
      'E_ARG',
      `runAsynchronous: versions must be an integer > startVersion (${start}), got ${o.versions}`,
    );
  }
  if (o.evaluateEvery !== undefined) posInt(o.evaluateEvery, 'evaluateEvery');
  if (o.recordEvery !== undefined) posInt(o.recordEvery, 'recordEvery');
  if (o.maxConsecutiveFailures !== undefined) posInt(o.maxConsecutiveFailures, 'maxConsecutiveFailures');
  if (o.maxStaleness !== undefined && !(Number.isInteger(o.maxStaleness) && o.maxStaleness >= 0)) {
    throw new FederaError('E_ARG', `runAsynchronous: maxStaleness must be an integer ≥ 0, got ${o.maxStaleness}`);
  }
  if (o.order !== undefined && o.order !== 'arrival' && o.order !== 'start') {
    throw new FederaError('E_ARG', `runAsynchronous: order must be 'arrival' or 'start', got '${String(o.order)}'`);
  }
}
