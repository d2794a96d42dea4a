import { FederaError } from '../errors.js';
import type { RoundRecord } from '../history.js';
import type { AuditClient, AuditRound } from './entry.js';

export interface AuditRecordOptions {
  /** The strategy's name (`strategy.name`). */
  readonly strategy: string;
  /** SHA-256 hex of the global weights sent out this round (`hashWeights(w_t)`). */
  readonly weightsIn: string;
  /** SHA-256 hex of the new global weights (`hashWeights(w_{t+1})`). */
  readonly weightsOut: string;
  /** SHA-256 hex of each received update, by client id (of its wire bytes, or `hashWeights`). */
  readonly updateHashes: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  readonly runId?: string;
}

/**
 * The audit entry for a completed round: its record's metrics (test loss/accuracy and
 * train loss folded in as `loss`, `accuracy`, `train_loss` when finite) and, for every client
 * whose reply succeeded, its id and update hash. A client that succeeded but has no hash in
 * `updateHashes` is an error (E_AUDIT_ENTRY): the log must not silently leave one out.
 *
 * @example
 * await chain.append(auditRoundFromRecord(record, { strategy: strategy.name, weightsIn, weightsOut: await hashWeights(w), updateHashes }));
 */
export function auditRoundFromRecord(record: RoundRecord, o: AuditRecordOptions): AuditRound {
  const hashOf = (id: string) =>
    o.updateHashes instanceof Map ? o.updateHashes.get(id) : (o.updateHashes as Record<string, string>)[id];
  const clients: AuditClient[] = [];
  for (const c of record.clients) {
    if (!c.ok) continue;
    const updateHash = hashOf(c.clientId);
    if (updateHash === undefined) {
      throw new FederaError(
        'E_AUDIT_ENTRY',
        `round ${record.round}: client '${c.clientId}' answered but updateHashes has no hash for it`,
        'record the SHA-256 of every update received',
      );
    }
    clients.push({
      clientId: c.clientId,
      updateHash,
      ...(c.numExamples === undefined ? {} : { numExamples: c.numExamples }),
    });
  }
  return {
    round: record.round,
    strategy: o.strategy,
    weightsIn: o.weightsIn,
    weightsOut: o.weightsOut,
    clients,
    metrics: { ...record.metrics, loss: record.loss, accuracy: record.accuracy, train_loss: record.trainLoss },
    time: record.time,
    ...(o.runId === undefined ? {} : { runId: o.runId }),
  };
}
