import type { Checkpoint, ClientRow, RunRow } from './store.js';

/** A runs table row as both databases return it. */
export interface RunDb {
  id: string;
  name: string;
  config_hash: string;
  config_json: string;
  seed: number;
  rounds: number;
  status: 'running' | 'finished';
  stop_reason: string | null;
  created_at: string;
}

/** A clients table row as both databases return it. */
export interface ClientDb {
  id: string;
  public_key: Buffer;
  token_hash: string;
  last_seq: number;
  num_examples: number;
  enrolled_at: string;
  last_seen: string;
}

/** A stored run. */
export function runRow(r: RunDb): RunRow {
  return {
    id: r.id,
    name: r.name,
    configHash: r.config_hash,
    configJson: r.config_json,
    seed: r.seed,
    rounds: r.rounds,
    status: r.status,
    stopReason: r.stop_reason,
    createdAt: r.created_at,
  };
}

/** A stored client. */
export function clientRow(r: ClientDb): ClientRow {
  return {
    id: r.id,
    publicKey: new Uint8Array(r.public_key),
    tokenHash: r.token_hash,
    lastSeq: r.last_seq,
    numExamples: r.num_examples,
    enrolledAt: r.enrolled_at,
    lastSeen: r.last_seen,
  };
}

/** A checkpoints table row as both databases return it. */
export interface CheckpointDb {
  round: number;
  weights: Buffer;
  strategy_tensors: Buffer | null;
  strategy_json: string | null;
}

/** A stored checkpoint, its bytes copied out of the driver's buffers. */
export function checkpointRow(r: CheckpointDb): Checkpoint {
  return {
    round: r.round,
    weights: new Uint8Array(r.weights),
    strategyTensors: r.strategy_tensors ? new Uint8Array(r.strategy_tensors) : null,
    strategyJson: r.strategy_json,
  };
}
