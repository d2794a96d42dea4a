import { type Client, LocalGrid, type TrainIns } from '@federa/core';

/** A LocalGrid of `n` clients (c0, c1, …) that echo and record every training instruction they get. */
export function recordingGrid(n: number): { grid: LocalGrid; seen: TrainIns[] } {
  const seen: TrainIns[] = [];
  const client: Client = {
    train: async (ins) => {
      seen.push(ins);
      return { clientId: ins.clientId, update: ins.weights, numExamples: 1, metrics: {} };
    },
    evaluate: async (ins) => ({ clientId: ins.clientId, loss: 0, numExamples: 1, metrics: {} }),
  };
  const grid = new LocalGrid(Array.from({ length: n }, (_, i) => [{ id: `c${i}` }, client] as const));
  return { grid, seen };
}

/** Consumes an async stream (a grid's replies) to its end. */
export async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it);
}
