import type { Metrics } from '@federa/core';

/** Where a run is: waiting for clients, in a round, done, or stopped by an error. */
export type RunState = 'waiting' | 'training' | 'evaluating' | 'finished' | 'failed';

/** Running totals over the whole run (what Prometheus counters are made of). */
export interface DashboardTotals {
  /** Rounds completed. */
  readonly rounds: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Client updates that were aggregated. */
  readonly updatesOk: number;
  /** Client replies that failed (error, timeout, invalid update). */
  readonly updatesFailed: number;
  /** Answering clients whose update a robust rule or detector excluded or down-weighted. */
  readonly updatesFlagged: number;
}

/** The run as the dashboard shows it at one moment. */
export interface DashboardStatus {
  readonly runId: string;
  readonly name: string;
  readonly strategy: string;
  readonly state: RunState;
  /** The round in progress, or the last one completed when none is (0 before the first). */
  readonly round: number;
  readonly totalRounds: number;
  /** ISO time the current round started, when one is in progress or has run. */
  readonly roundStartedAt?: string;
  /** Clients that answered the current round so far, of those asked. */
  readonly progress: { readonly done: number; readonly total: number };
  readonly clientsOnline: number;
  /** Clients ever seen in this run. */
  readonly clientsTotal: number;
  /** Privacy budget spent so far (metric `dp_epsilon` / `train_dp_epsilon`), when the run is private. */
  readonly epsilon?: number;
  readonly totals: DashboardTotals;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Why the run failed, when state is 'failed'. */
  readonly error?: string;
}

/** A client left out of (or down-weighted in) a round, and why. */
export interface ExcludedClient {
  readonly clientId: string;
  /** 'failed': its reply was an error; 'flagged': its update was excluded or down-weighted. */
  readonly kind: 'failed' | 'flagged';
  readonly reason: string;
}

/** One completed round. Numbers the round did not measure are null (JSON has no NaN). */
export interface DashboardRoundRow {
  readonly round: number;
  readonly startedAt?: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly sampled: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Centralised test accuracy/loss, else the federated evaluation's, else null. */
  readonly accuracy: number | null;
  readonly loss: number | null;
  readonly trainLoss: number | null;
  readonly epsilon: number | null;
  readonly excluded: readonly ExcludedClient[];
  readonly metrics: Metrics;
}

/** One client as the dashboard shows it. */
export interface DashboardClientRow {
  readonly clientId: string;
  readonly online: boolean;
  /** ISO time of the last message from this client. */
  readonly lastSeen: string;
  readonly numExamples?: number;
  /** Where it runs, when it said (e.g. 'node', 'browser'). */
  readonly platform?: string;
  /** Rounds in which its update was aggregated. */
  readonly roundsDone: number;
  readonly lastRound?: number;
  /** The last time it failed or was flagged, and why. */
  readonly lastProblem?: { readonly round: number; readonly kind: 'failed' | 'flagged'; readonly reason: string };
}

/** What `/api/events` pushes: a snapshot first, then changes. */
export type DashboardEvent =
  | { readonly type: 'status'; readonly status: DashboardStatus }
  | { readonly type: 'round'; readonly round: DashboardRoundRow }
  | { readonly type: 'client'; readonly client: DashboardClientRow };

/**
 * What the dashboard and `/metrics` read. The server implements it (or uses
 * MemoryDashboardSource); every method returns plain JSON-serialisable data and must be
 * cheap, since every dashboard request calls it. `subscribe` returns the unsubscribe
 * function; listeners are called synchronously and must not throw.
 */
export interface DashboardSource {
  status(): DashboardStatus;
  rounds(): DashboardRoundRow[];
  clients(): DashboardClientRow[];
  subscribe(listener: (event: DashboardEvent) => void): () => void;
}
