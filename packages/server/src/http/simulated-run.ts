import { type ClientRecord, Rng, type RoundRecord } from '@federa/core';
import type { MemoryDashboardSource } from './memory-source.js';

export interface SimulatedRoundOptions {
  /** Seeds every number in the record. */
  readonly seed: number;
  readonly clientIds: readonly string[];
  /** Clients whose reply fails this round, with the error. */
  readonly failed?: Readonly<Record<string, string>>;
  /** Clients whose update a robust rule flags this round, with the reason. */
  readonly flagged?: Readonly<Record<string, string>>;
  /** Add a `train_dp_epsilon` metric growing with the round. */
  readonly privacy?: boolean;
}

/**
 * A plausible RoundRecord for round `round` (accuracy rising, loss falling, ~200 kB per
 * client each way), for demos and tests of the dashboard. Deterministic in (seed, round).
 */
export function simulatedRound(round: number, o: SimulatedRoundOptions): RoundRecord {
  const rng = new Rng(`${o.seed}:dashboard:${round}`);
  const clients: ClientRecord[] = o.clientIds.map((clientId) => {
    const error = o.failed?.[clientId];
    if (error !== undefined) return { clientId, ok: false, error };
    const reason = o.flagged?.[clientId];
    return {
      clientId,
      ok: true,
      numExamples: 500 + rng.int(500),
      metrics: { loss: 2 / (1 + round) },
      ...(reason === undefined ? {} : { reason }),
    };
  });
  const failed = clients.filter((c) => !c.ok).length;
  const accuracy = Math.min(0.99, 0.1 + 0.85 * (1 - Math.exp(-round / 4)) + 0.01 * rng.normal());
  const perClient = 200_000 + rng.int(1000);
  return {
    round,
    loss: Math.max(0.02, 2.3 * Math.exp(-round / 5) + 0.02 * rng.float()),
    accuracy,
    trainLoss: Math.max(0.01, 2.1 * Math.exp(-round / 4.5)),
    sampled: clients.length,
    succeeded: clients.length - failed,
    failed,
    durationMs: 800 + rng.int(400),
    bytesDown: perClient * clients.length,
    bytesUp: perClient * (clients.length - failed),
    metrics: o.privacy ? { train_dp_epsilon: 0.35 * Math.sqrt(round) } : {},
    clients,
    time: new Date(Date.UTC(2026, 0, 1, 0, round)).toISOString(),
  };
}

/** Feeds `source` a round as the server would: start, each client's reply, the record. */
export function feedRound(source: MemoryDashboardSource, record: RoundRecord): void {
  source.roundStarted(record.round, record.sampled);
  for (let i = 1; i <= record.sampled; i++) source.clientDone(record.round, i, record.sampled);
  source.roundFinished(record);
}
