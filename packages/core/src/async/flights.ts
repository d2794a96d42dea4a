import { errorInfo } from '../errors.js';
import type { Grid, SendOptions } from '../grid.js';
import type { Outcome, TrainIns, TrainRes } from '../messages.js';
import type { Weights } from '../weights.js';

/** One client training asynchronously: what it started from, and its outcome once settled. */
export interface Flight {
  /** Start order, from 0. */
  readonly seq: number;
  readonly clientId: string;
  /** The server version it started from. */
  readonly version: number;
  /** The weights of that version. */
  readonly base: Weights;
  outcome?: Outcome<TrainRes>;
}

/**
 * The clients in flight, each sent alone through `grid.train`, with a settle queue: `next`
 * waits for the earliest-settled flight ('arrival') or for the oldest-started one ('start',
 * the reproducible order). A grid that throws or yields nothing becomes a failed outcome.
 */
export class Flights {
  private readonly open = new Map<number, Flight>();
  private readonly settled: Flight[] = [];
  private wake: (() => void) | undefined;
  private seq = 0;

  constructor(
    private readonly grid: Grid,
    private readonly send: SendOptions | undefined,
  ) {}

  get size(): number {
    return this.open.size;
  }

  busy(clientId: string): boolean {
    for (const f of this.open.values()) if (f.clientId === clientId) return true;
    return false;
  }

  start(ins: TrainIns, version: number): Flight {
    const f: Flight = { seq: this.seq++, clientId: ins.clientId, version, base: ins.weights };
    this.open.set(f.seq, f);
    void first(() => this.grid.train([ins], this.send), ins.clientId).then((o) => {
      f.outcome = o;
      this.settled.push(f);
      this.poke();
    });
    return f;
  }

  /** Wakes a pending `next` (e.g. when the run is aborted); it then returns undefined. */
  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /**
   * The next flight to process, removed from the open set; undefined when none is open or
   * when `stop()` turned true while waiting.
   */
  async next(order: 'arrival' | 'start', stop: () => boolean): Promise<Flight | undefined> {
    while (this.open.size > 0) {
      const pick = order === 'arrival' ? this.settled[0] : this.oldestIfSettled();
      if (pick) {
        this.settled.splice(this.settled.indexOf(pick), 1);
        this.open.delete(pick.seq);
        return pick;
      }
      if (stop()) return undefined;
      await new Promise<void>((r) => (this.wake = r));
    }
    return undefined;
  }

  /** Waits for every open flight and returns them in start order. */
  async drain(): Promise<Flight[]> {
    const out: Flight[] = [];
    for (;;) {
      const f = await this.next('start', () => false);
      if (!f) return out;
      out.push(f);
    }
  }

  private oldestIfSettled(): Flight | undefined {
    let oldest: Flight | undefined;
    for (const f of this.open.values()) if (!oldest || f.seq < oldest.seq) oldest = f;
    return oldest?.outcome ? oldest : undefined;
  }
}

async function first(call: () => AsyncIterable<Outcome<TrainRes>>, clientId: string): Promise<Outcome<TrainRes>> {
  try {
    for await (const o of call()) return o;
    return {
      ok: false,
      clientId,
      error: { code: 'E_GRID', message: 'the grid yielded no outcome for the instruction' },
    };
  } catch (e) {
    return { ok: false, clientId, error: errorInfo(e) };
  }
}
