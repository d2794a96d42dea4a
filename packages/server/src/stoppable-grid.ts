import type { EvaluateIns, EvaluateRes, Grid, Outcome, SendOptions, TrainIns, TrainRes } from '@federa/core';

/**
 * A Grid that stops with the server: once `signal` aborts it starts no new task (each
 * instruction fails E_ABORTED at once) and stops waiting for the tasks it started (their
 * remaining outcomes fail E_ABORTED), so a loop draining its clients after `stop()` never
 * waits for a deadline or an offline grace period. Once `noNewTasks` aborts it only starts
 * no new task: the ones open still finish (a run that ends normally lets them).
 */
export class StoppableGrid implements Grid {
  constructor(
    private readonly inner: Grid,
    private readonly signal: AbortSignal,
    private readonly noNewTasks?: AbortSignal,
  ) {}

  nodes() {
    return this.inner.nodes();
  }

  train(ins: readonly TrainIns[], opts?: SendOptions): AsyncIterable<Outcome<TrainRes>> {
    return this.guard(ins, () => this.inner.train(ins, opts));
  }

  evaluate(ins: readonly EvaluateIns[], opts?: SendOptions): AsyncIterable<Outcome<EvaluateRes>> {
    return this.guard(ins, () => this.inner.evaluate(ins, opts));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async *guard<R>(
    ins: readonly { readonly clientId: string }[],
    call: () => AsyncIterable<Outcome<R>>,
  ): AsyncGenerator<Outcome<R>> {
    const left = new Set(ins.map((i) => i.clientId));
    const aborted = (): Outcome<R>[] =>
      [...left].map((clientId) => ({
        ok: false as const,
        clientId,
        error: { code: 'E_ABORTED', message: 'the server is stopping' },
      }));
    if (this.signal.aborted || this.noNewTasks?.aborted) {
      yield* aborted();
      return;
    }
    let onAbort = () => {};
    const stop = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    const it = call()[Symbol.asyncIterator]();
    try {
      for (;;) {
        const n = await Promise.race([it.next(), stop]);
        if (n === 'aborted') {
          void it.return?.();
          yield* aborted();
          return;
        }
        if (n.done) return;
        left.delete(n.value.clientId);
        yield n.value;
      }
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }
}
