import { TaskKind, type SecAggRequest as WireSecAggRequest } from '@federa/client';
import type { Config, ErrorInfo, Outcome, Weights } from '@federa/core';
import type { Blob } from './blobs.js';

export type TaskKindName = 'train' | 'evaluate' | 'secagg';

/** Each task kind's wire value. */
export const TASK_KINDS = { train: TaskKind.TRAIN, evaluate: TaskKind.EVALUATE, secagg: TaskKind.SECAGG } as const;

/** A task sent (or waiting to be sent) to one client, until its outcome settles. */
export interface PendingTask {
  readonly id: string;
  readonly clientId: string;
  readonly round: number;
  readonly kind: TaskKindName;
  readonly config: Config;
  /** The weights sent (none for a SecAgg step): a train reply must have their layout. */
  readonly blob: Blob | undefined;
  readonly weights: Weights | undefined;
  /** A SecAgg step: the server's message. */
  readonly secagg?: WireSecAggRequest;
  /** Largest upload accepted for this task (default: the hub's limit for an update). */
  readonly maxUploadBytes?: number;
  readonly deadlineMs: number;
  readonly startedAt: number;
  bytesDown: number;
  bytesUp: number;
  /** SHA-256 hex of the accepted update (train tasks). */
  updateHash?: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  grace: ReturnType<typeof setTimeout> | undefined;
  settle(o: Outcome<unknown>): void;
}

/**
 * Outcomes in the order asked: 'instruction' yields them in the order of the instructions
 * (so a seeded run aggregates in the same order every time and is reproduced bit for bit),
 * 'arrival' as they come (less memory: the strategy folds each in at once).
 */
export async function* settleInOrder<R>(
  count: number,
  order: 'instruction' | 'arrival',
  subscribe: (deliver: (k: number, o: Outcome<R>) => void) => void,
): AsyncIterable<Outcome<R>> {
  const settled = new Map<number, Outcome<R>>();
  const queue: Outcome<R>[] = [];
  let wake: (() => void) | undefined;
  subscribe((k, o) => {
    if (order === 'arrival') queue.push(o);
    else settled.set(k, o);
    wake?.();
  });
  for (let n = 0; n < count; n++) {
    if (order === 'arrival') {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      yield queue.shift() as Outcome<R>;
    } else {
      while (!settled.has(n)) await new Promise<void>((r) => (wake = r));
      const o = settled.get(n) as Outcome<R>;
      settled.delete(n);
      yield o;
    }
  }
}

export function failure(clientId: string, error: ErrorInfo): Outcome<never> {
  return { ok: false, clientId, error };
}
