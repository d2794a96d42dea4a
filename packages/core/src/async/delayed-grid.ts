import { FederaError } from '../errors.js';
import type { Grid, SendOptions } from '../grid.js';
import type { ClientInfo, EvaluateIns, EvaluateRes, Outcome, TrainIns, TrainRes } from '../messages.js';
import { Rng } from '../rng.js';

export interface DelayedGridOptions {
  /** Median extra time a training reply takes, in ms. */
  readonly medianMs: number;
  /** σ of the log-normal spread of client speeds (0: all alike; 1: a 10× spread is common). */
  readonly sigma: number;
  /** σ of a per-call log-normal jitter on top of the client's own speed (default 0). */
  readonly jitter?: number;
  readonly seed: number;
}

/**
 * A Grid wrapper that simulates clients of heterogeneous speeds: each client gets a fixed
 * seeded log-normal delay d_k = medianMs·exp(σ·z_k), and every training reply it sends is
 * held back by d_k (times a per-call jitter factor when `jitter` > 0) after the inner grid
 * answered. Evaluation replies are not delayed. Uses `setTimeout`, so it runs anywhere.
 *
 * @example
 * const slow = new DelayedGrid(grid, { medianMs: 20, sigma: 1, seed: 7 });
 */
export class DelayedGrid implements Grid {
  private readonly delays = new Map<string, number>();
  private readonly rng: Rng;

  constructor(
    private readonly inner: Grid,
    private readonly opts: DelayedGridOptions,
  ) {
    if (!(opts.medianMs >= 0 && Number.isFinite(opts.medianMs))) {
      throw new FederaError('E_ARG', `DelayedGrid: medianMs must be a finite number ≥ 0, got ${opts.medianMs}`);
    }
    if (!(opts.sigma >= 0 && Number.isFinite(opts.sigma)) || !((opts.jitter ?? 0) >= 0)) {
      throw new FederaError('E_ARG', `DelayedGrid: sigma and jitter must be ≥ 0, got ${opts.sigma}, ${opts.jitter}`);
    }
    this.rng = new Rng(`${opts.seed}:delay-jitter`);
    const speeds = new Rng(`${opts.seed}:delay`);
    for (const n of inner.nodes()) this.delays.set(n.id, opts.medianMs * Math.exp(opts.sigma * speeds.normal(0, 1)));
  }

  /** Client k's base delay d_k in ms. */
  delayOf(clientId: string): number {
    return this.delays.get(clientId) ?? this.opts.medianMs;
  }

  nodes(): readonly ClientInfo[] {
    return this.inner.nodes();
  }

  train(ins: readonly TrainIns[], opts?: SendOptions): AsyncIterable<Outcome<TrainRes>> {
    return this.delayed(ins, opts);
  }

  evaluate(ins: readonly EvaluateIns[], opts?: SendOptions): AsyncIterable<Outcome<EvaluateRes>> {
    return this.inner.evaluate(ins, opts);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Replies keep instruction order; each is held back d_k from when the inner grid gave it, concurrently. */
  private async *delayed(ins: readonly TrainIns[], opts?: SendOptions): AsyncIterable<Outcome<TrainRes>> {
    const queue: Promise<Outcome<TrainRes>>[] = [];
    let finished = false;
    let wake: (() => void) | undefined;
    const pump = (async () => {
      for await (const o of this.inner.train(ins, opts)) {
        const j = this.opts.jitter ? Math.exp(this.opts.jitter * this.rng.normal(0, 1)) : 1;
        const ms = this.delayOf(o.clientId) * j;
        queue.push(new Promise((r) => setTimeout(() => r(o), ms)));
        wake?.();
      }
    })().finally(() => {
      finished = true;
      wake?.();
    });
    for (let i = 0; ; i++) {
      while (queue.length <= i && !finished) await new Promise<void>((r) => (wake = r));
      if (i >= queue.length) break;
      yield await (queue[i] as Promise<Outcome<TrainRes>>);
    }
    await pump;
  }
}
