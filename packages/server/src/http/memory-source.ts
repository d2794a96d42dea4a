import { FederaError, type RoundRecord } from '@federa/core';
import type {
  DashboardClientRow,
  DashboardEvent,
  DashboardRoundRow,
  DashboardSource,
  DashboardStatus,
  DashboardTotals,
  ExcludedClient,
  RunState,
} from './types.js';

export interface MemoryDashboardOptions {
  readonly runId: string;
  /** Display name (default: runId). */
  readonly name?: string;
  readonly strategy: string;
  readonly totalRounds: number;
  /** Milliseconds since the epoch (default Date.now); tests pass a fake clock. */
  readonly now?: () => number;
}

interface MutableClient {
  clientId: string;
  online: boolean;
  lastSeen: number;
  numExamples?: number;
  platform?: string;
  roundsDone: number;
  lastRound?: number;
  lastProblem?: DashboardClientRow['lastProblem'];
}

/** The metric keys that carry the privacy budget spent, in order of preference. */
const EPSILON_KEYS = ['dp_epsilon', 'train_dp_epsilon'];

/**
 * A DashboardSource kept in memory and fed by the server's events: connections
 * (`clientConnected`, `clientSeen`, `clientDisconnected`) and the round loop's hooks
 * (`roundStarted` ← onRoundStart, `clientDone` ← onClientDone, `roundFinished` ← onRound).
 * Every change is pushed to subscribers as a DashboardEvent.
 *
 * @example
 * const dash = new MemoryDashboardSource({ runId: 'r1', strategy: 'FedAvg', totalRounds: 50 });
 * await runFederated({ ..., onRoundStart: (r, n) => dash.roundStarted(r, n),
 *   onClientDone: (r, d, t) => dash.clientDone(r, d, t), onRound: (rec) => dash.roundFinished(rec) });
 */
export class MemoryDashboardSource implements DashboardSource {
  private readonly now: () => number;
  private readonly listeners = new Set<(e: DashboardEvent) => void>();
  private readonly clientMap = new Map<string, MutableClient>();
  private readonly roundList: DashboardRoundRow[] = [];
  private readonly base: { runId: string; name: string; strategy: string; totalRounds: number; startedAt: string };
  private onlineCount = 0;
  private state: RunState = 'waiting';
  private error: string | undefined;
  private round = 0;
  private roundStartedAt: number | undefined;
  private progress = { done: 0, total: 0 };
  private epsilon: number | undefined;
  private totals: DashboardTotals = {
    rounds: 0,
    bytesUp: 0,
    bytesDown: 0,
    updatesOk: 0,
    updatesFailed: 0,
    updatesFlagged: 0,
  };
  private updatedAt: number;

  constructor(options: MemoryDashboardOptions) {
    if (typeof options?.runId !== 'string' || options.runId === '') {
      throw new FederaError('E_ARG', 'MemoryDashboardSource needs options.runId, a non-empty string');
    }
    if (!(Number.isInteger(options.totalRounds) && options.totalRounds >= 0)) {
      throw new FederaError(
        'E_ARG',
        `MemoryDashboardSource options.totalRounds must be a non-negative integer, got ${options.totalRounds}`,
      );
    }
    this.now = options.now ?? Date.now;
    this.updatedAt = this.now();
    this.base = {
      runId: options.runId,
      name: options.name ?? options.runId,
      strategy: options.strategy,
      totalRounds: options.totalRounds,
      startedAt: iso(this.updatedAt),
    };
  }

  status(): DashboardStatus {
    return {
      ...this.base,
      state: this.state,
      round: this.round,
      ...(this.roundStartedAt === undefined ? {} : { roundStartedAt: iso(this.roundStartedAt) }),
      progress: { ...this.progress },
      clientsOnline: this.onlineCount,
      clientsTotal: this.clientMap.size,
      ...(this.epsilon === undefined ? {} : { epsilon: this.epsilon }),
      totals: { ...this.totals },
      updatedAt: iso(this.updatedAt),
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  rounds(): DashboardRoundRow[] {
    return [...this.roundList];
  }

  clients(): DashboardClientRow[] {
    return [...this.clientMap.values()].map(clientRow);
  }

  subscribe(listener: (event: DashboardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Sets the run state ('failed' with the reason); pushes a status event. */
  setState(state: RunState, error?: string): void {
    this.state = state;
    this.error = state === 'failed' ? (error ?? 'unknown error') : undefined;
    this.changed();
  }

  /** A client connected (or reconnected); `info` is what it said about itself. */
  clientConnected(clientId: string, info: { numExamples?: number; platform?: string } = {}): void {
    const c = this.client(clientId);
    this.setOnline(c, true);
    c.lastSeen = this.now();
    if (info.numExamples !== undefined) c.numExamples = info.numExamples;
    if (info.platform !== undefined) c.platform = info.platform;
    this.clientChanged(c);
  }

  /** A message arrived from a client (updates its last-seen time; marks it online). */
  clientSeen(clientId: string): void {
    const c = this.client(clientId);
    this.setOnline(c, true);
    c.lastSeen = this.now();
    this.clientChanged(c);
  }

  clientDisconnected(clientId: string): void {
    const c = this.clientMap.get(clientId);
    if (!c) return;
    this.setOnline(c, false);
    this.clientChanged(c);
  }

  /** A round began with `sampled` clients asked to train (runFederated's onRoundStart). */
  roundStarted(round: number, sampled: number): void {
    this.round = round;
    this.roundStartedAt = this.now();
    this.progress = { done: 0, total: sampled };
    this.state = 'training';
    this.changed();
  }

  /** `done` of `total` clients have answered round `round` (runFederated's onClientDone). */
  clientDone(round: number, done: number, total: number): void {
    if (round !== this.round) return;
    this.progress = { done, total };
    this.changed();
  }

  /** A round completed (runFederated's onRound record); pushes round, client and status events. */
  roundFinished(record: RoundRecord): DashboardRoundRow {
    const t = this.now();
    const excluded: ExcludedClient[] = [];
    let ok = 0;
    for (const c of record.clients) {
      const problem = !c.ok
        ? { kind: 'failed' as const, reason: c.error ?? 'failed' }
        : c.reason
          ? { kind: 'flagged' as const, reason: c.reason }
          : undefined;
      const mc = this.client(c.clientId);
      if (c.numExamples !== undefined) mc.numExamples = c.numExamples;
      if (c.ok) mc.lastSeen = t;
      if (c.ok && !c.reason) {
        ok++;
        mc.roundsDone++;
        mc.lastRound = record.round;
      }
      if (problem) {
        excluded.push({ clientId: c.clientId, ...problem });
        mc.lastProblem = { round: record.round, ...problem };
      }
      this.clientChanged(mc, false);
    }
    const eps = epsilonOf(record.metrics);
    if (eps !== null) this.epsilon = eps;
    const startedAt = this.round === record.round ? this.roundStartedAt : undefined;
    const row: DashboardRoundRow = {
      round: record.round,
      ...(startedAt === undefined ? {} : { startedAt: iso(startedAt) }),
      finishedAt: iso(t),
      durationMs: record.durationMs,
      sampled: record.sampled,
      succeeded: record.succeeded,
      failed: record.failed,
      bytesUp: record.bytesUp,
      bytesDown: record.bytesDown,
      accuracy: finite(record.accuracy) ?? finite(record.fedAccuracy),
      loss: finite(record.loss) ?? finite(record.fedLoss),
      trainLoss: finite(record.trainLoss),
      epsilon: eps,
      excluded,
      metrics: Object.fromEntries(Object.entries(record.metrics).filter(([, v]) => Number.isFinite(v))),
    };
    this.roundList.push(row);
    this.totals = {
      rounds: this.totals.rounds + 1,
      bytesUp: this.totals.bytesUp + record.bytesUp,
      bytesDown: this.totals.bytesDown + record.bytesDown,
      updatesOk: this.totals.updatesOk + ok,
      updatesFailed: this.totals.updatesFailed + excluded.filter((e) => e.kind === 'failed').length,
      updatesFlagged: this.totals.updatesFlagged + excluded.filter((e) => e.kind === 'flagged').length,
    };
    this.round = Math.max(this.round, record.round);
    this.progress = { done: record.sampled, total: record.sampled };
    if (record.round >= this.base.totalRounds && this.state !== 'failed') this.state = 'finished';
    this.emit({ type: 'round', round: row });
    this.changed();
    return row;
  }

  private client(clientId: string): MutableClient {
    let c = this.clientMap.get(clientId);
    if (!c) {
      c = { clientId, online: false, lastSeen: this.now(), roundsDone: 0 };
      this.clientMap.set(clientId, c);
    }
    return c;
  }

  private setOnline(c: MutableClient, online: boolean): void {
    if (c.online !== online) this.onlineCount += online ? 1 : -1;
    c.online = online;
  }

  private clientChanged(c: MutableClient, withStatus = true): void {
    this.emit({ type: 'client', client: clientRow(c) });
    if (withStatus) this.changed();
  }

  private changed(): void {
    this.updatedAt = this.now();
    this.emit({ type: 'status', status: this.status() });
  }

  private emit(e: DashboardEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (e.g. a closed response) must not stop the run or the other listeners.
      }
    }
  }
}

function clientRow(c: MutableClient): DashboardClientRow {
  return {
    clientId: c.clientId,
    online: c.online,
    lastSeen: iso(c.lastSeen),
    ...(c.numExamples === undefined ? {} : { numExamples: c.numExamples }),
    ...(c.platform === undefined ? {} : { platform: c.platform }),
    roundsDone: c.roundsDone,
    ...(c.lastRound === undefined ? {} : { lastRound: c.lastRound }),
    ...(c.lastProblem === undefined ? {} : { lastProblem: { ...c.lastProblem } }),
  };
}

function epsilonOf(m: Record<string, number>): number | null {
  for (const k of EPSILON_KEYS) if (Number.isFinite(m[k])) return m[k];
  return null;
}

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
