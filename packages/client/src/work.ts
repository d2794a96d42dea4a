import {
  type Client,
  encodeWeights,
  errorInfo,
  type Metrics,
  SECURE_AGGREGATION_KEY,
  type SecAggParticipant,
  type Weights,
} from '@federa/core';
import { type SecAggResponse, type Task, TaskKind } from './gen/federa_pb.js';
import { configFromWire } from './protocol/config.js';
import { secAggRequestFromWire, secAggResponseToWire } from './protocol/secagg.js';
import { sha256 } from './protocol/signing.js';

/** A task's answer, kept until the server acknowledges it (so a reconnect resends the same). */
export interface TaskResult {
  readonly kind: TaskKind;
  readonly round: number;
  /** Bytes to upload before the reply: the update (codec bytes) or the masked input. */
  readonly upload?: Uint8Array;
  readonly uploadSha?: Uint8Array;
  readonly numExamples: number;
  readonly metrics: Metrics;
  readonly loss: number;
  readonly secagg?: SecAggResponse;
  readonly error?: { code: string; message: string };
}

export const taskKindName = (k: TaskKind): 'train' | 'evaluate' | 'secagg' =>
  k === TaskKind.TRAIN ? 'train' : k === TaskKind.SECAGG ? 'secagg' : 'evaluate';

/**
 * Does one task with the local client: trains (uploading the update, or — when the task's
 * config asks for secure aggregation — holding it in `secagg` and uploading nothing),
 * evaluates, or answers a SecAgg step. A local failure becomes the reply's error, never a throw.
 */
export async function doTask(
  local: Client,
  secagg: SecAggParticipant,
  t: Task,
  weights: Weights | undefined,
  clientId: string,
): Promise<TaskResult> {
  const base = { kind: t.kind, round: t.round, numExamples: 0, metrics: {}, loss: 0 };
  try {
    if (t.kind === TaskKind.SECAGG) {
      const res = await secagg.respond(t.round, secAggRequestFromWire(t.secagg, clientId));
      const { msg, upload } = secAggResponseToWire(res);
      return { ...base, secagg: msg, ...(upload ? { upload, uploadSha: await sha256(upload) } : {}) };
    }
    if (!weights) throw new Error('the task carries no weights');
    const config = configFromWire(t.config);
    const ins = { clientId, round: t.round, weights, config };
    if (t.kind === TaskKind.TRAIN) {
      const res = await local.train(ins);
      if (config[SECURE_AGGREGATION_KEY] !== undefined) {
        // The update leaves this device only masked, in the SecAgg session that follows.
        secagg.hold(t.round, res.update.data);
        return { ...base, numExamples: res.numExamples, metrics: res.metrics };
      }
      const upload = encodeWeights(res.update, { kind: 'update', round: t.round });
      return { ...base, upload, uploadSha: await sha256(upload), numExamples: res.numExamples, metrics: res.metrics };
    }
    const res = await local.evaluate(ins);
    return { ...base, numExamples: res.numExamples, metrics: res.metrics, loss: res.loss };
  } catch (e) {
    return { ...base, error: errorInfo(e) };
  }
}
