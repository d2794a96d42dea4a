import { randomBytes } from 'node:crypto';
import type { ErrorInfo, Outcome, SendOptions } from '@federa/core';
import { failure, type PendingTask } from './tasks.js';

/** What a new task is: everything but its id, timers, byte counters and settle. */
export type TaskInit = Pick<
  PendingTask,
  'clientId' | 'round' | 'kind' | 'config' | 'blob' | 'weights' | 'secagg' | 'maxUploadBytes'
>;

export interface OpenTasksHooks {
  /** Sends the task to its client; false when the client is offline. */
  send(t: PendingTask): boolean;
  /** After a task settled (its outcome is about to be delivered). */
  settled(t: PendingTask, o: Outcome<unknown>): void;
  /** How long a client may be offline with a task open before it fails E_DISCONNECTED. */
  readonly graceMs: number;
}

/**
 * The tasks the server has sent and not yet settled, each settling exactly once: with the
 * client's reply, at its deadline (E_DEADLINE), after its client was offline for the grace
 * period (E_DISCONNECTED), or at shutdown.
 */
export class OpenTasks {
  private readonly byId = new Map<string, PendingTask>();

  constructor(private readonly hooks: OpenTasksHooks) {}

  get(id: string): PendingTask | undefined {
    return this.byId.get(id);
  }

  /** The open tasks of one client. */
  of(clientId: string): PendingTask[] {
    return [...this.byId.values()].filter((t) => t.clientId === clientId);
  }

  /** Opens a task and sends it (or starts its grace period); `deliver` receives its one outcome. */
  open<R>(init: TaskInit, opts: SendOptions, deliver: (o: Outcome<R>) => void): void {
    const t: PendingTask = {
      ...init,
      id: randomBytes(12).toString('hex'),
      deadlineMs: opts.deadlineMs ?? 0,
      startedAt: performance.now(),
      bytesDown: 0,
      bytesUp: 0,
      timer: undefined,
      grace: undefined,
      settle: (o) => {
        if (!this.byId.delete(t.id)) return;
        if (t.timer) clearTimeout(t.timer);
        if (t.grace) clearTimeout(t.grace);
        this.hooks.settled(t, o);
        deliver({ ...(o as Outcome<R>), bytesDown: t.bytesDown, bytesUp: t.bytesUp });
      },
    };
    this.byId.set(t.id, t);
    const ms = opts.deadlineMs;
    if (ms !== undefined) {
      const error = { code: 'E_DEADLINE', message: `client missed the ${ms} ms deadline` };
      t.timer = setTimeout(() => t.settle(failure(t.clientId, error)), ms);
    }
    if (!this.hooks.send(t)) this.startGrace(t);
  }

  /** The client went offline: its tasks fail unless it is back within the grace period. */
  clientGone(clientId: string): void {
    for (const t of this.of(clientId)) this.startGrace(t);
  }

  /** The client is back: its tasks' grace periods stop; returns them to send again. */
  clientBack(clientId: string): PendingTask[] {
    const tasks = this.of(clientId);
    for (const t of tasks) {
      if (t.grace) clearTimeout(t.grace);
      t.grace = undefined;
    }
    return tasks;
  }

  /** Settles every open task with `error`. */
  failAll(error: ErrorInfo): void {
    for (const t of [...this.byId.values()]) t.settle(failure(t.clientId, error));
  }

  private startGrace(t: PendingTask): void {
    if (t.grace) return;
    const grace = this.hooks.graceMs;
    const error = {
      code: 'E_DISCONNECTED',
      message: `client '${t.clientId}' was offline for ${grace} ms with a task open`,
    };
    t.grace = setTimeout(() => t.settle(failure(t.clientId, error)), grace);
  }
}
