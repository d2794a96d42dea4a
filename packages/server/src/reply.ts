import {
  type Assembler,
  checkMetrics,
  decodeReplyBody,
  equalBytes,
  type FrameOf,
  hex,
  type ReplyBody,
  safeNumber,
  sha256,
  verify,
  type SecAggResponse as WireSecAggResponse,
} from '@federa/client';
import { decodeWeights, errorInfo, FederaError, type Outcome, SECURE_AGGREGATION_KEY, Weights } from '@federa/core';
import { type PendingTask, TASK_KINDS } from './tasks.js';

export interface ReplyContext {
  readonly reply: FrameOf<'reply'>;
  /** The authenticated client on this connection. */
  readonly clientId: string;
  readonly key: CryptoKey;
  readonly runId: string;
  readonly lastSeq: number;
  /** The client's open task with this id. */
  task(taskId: string): PendingTask | undefined;
  upload(updateId: string): Assembler | undefined;
  maxUpdateBytes(t: PendingTask): number;
}

/** A client's answer to a SecAgg step: its message and the bytes it uploaded (the masked input). */
export interface SecAggAnswer {
  readonly response: WireSecAggResponse;
  readonly upload?: Uint8Array;
}

export interface CheckedReply {
  readonly task: PendingTask;
  readonly seq: number;
  readonly outcome: Outcome<unknown>;
  /** True when the client answered but its answer was refused (shape, NaN, hash, …). */
  readonly invalid: boolean;
  /** SHA-256 hex of the accepted update's bytes (train replies). */
  readonly updateHash?: string;
}

/**
 * Checks a reply in two stages. First its envelope, which must be authentic and fresh or it
 * is thrown out (FederaError E_FRAME, E_AUTH, E_SIGNATURE, E_WRONG_RUN, E_REPLAY,
 * E_UNKNOWN_TASK, E_WRONG_ROUND) without touching the task. Then its content: a valid
 * update (complete upload, matching length and SHA-256, the global model's layout, all finite)
 * or evaluation becomes a successful Outcome; anything else a failed one, with its code.
 */
export async function checkReply(c: ReplyContext): Promise<CheckedReply> {
  let body: ReturnType<typeof decodeReplyBody>;
  try {
    body = decodeReplyBody(c.reply.body);
  } catch (e) {
    throw new FederaError('E_FRAME', `reply body is not a ReplyBody: ${errorInfo(e).message}`);
  }
  if (body.clientId !== c.clientId) {
    throw new FederaError('E_AUTH', `reply names client '${body.clientId}' on the connection of '${c.clientId}'`);
  }
  if (!(await verify(c.key, c.reply.signature, c.reply.body))) {
    throw new FederaError(
      'E_SIGNATURE',
      `reply signature of '${c.clientId}' does not verify`,
      'sign the exact ReplyBody bytes with the enrolled key',
    );
  }
  if (body.runId !== c.runId) {
    throw new FederaError('E_WRONG_RUN', `reply is for run '${body.runId}', the server runs '${c.runId}'`);
  }
  const seq = safeNumber(body.seq, 'seq');
  if (seq <= c.lastSeq) {
    throw new FederaError(
      'E_REPLAY',
      `reply sequence number ${seq} is not above the last accepted (${c.lastSeq}): replayed or stale`,
      'number each reply above Welcome.last_seq',
    );
  }
  const task = c.task(body.taskId);
  if (!task)
    throw new FederaError(
      'E_UNKNOWN_TASK',
      `no open task '${body.taskId}' for '${c.clientId}' (already answered, timed out, or never sent)`,
    );
  if (body.round !== task.round) {
    throw new FederaError(
      'E_WRONG_ROUND',
      `reply is for round ${body.round}, task '${task.id}' is round ${task.round}`,
    );
  }
  const kind = TASK_KINDS[task.kind];
  if (body.kind !== kind)
    throw new FederaError('E_FRAME', `reply kind ${body.kind} does not match the ${task.kind} task`);

  const clientId = c.clientId;
  if (body.errorCode) {
    return {
      task,
      seq,
      invalid: false,
      outcome: { ok: false, clientId, error: { code: body.errorCode, message: body.errorMessage } },
    };
  }
  try {
    if (task.kind === 'secagg') {
      const upload = body.updateId ? await uploaded(c, task, body) : undefined;
      if (!body.secagg) throw new FederaError('E_FRAME', 'a secure-aggregation reply carries no SecAggResponse');
      const value: SecAggAnswer = { response: body.secagg, ...(upload ? { upload } : {}) };
      // The audit log records what the server received from the client: its masked input.
      const updateHash = upload ? { updateHash: hex(body.updateSha256) } : {};
      return { task, seq, invalid: false, ...updateHash, outcome: { ok: true, clientId, value } };
    }
    const numExamples = safeNumber(body.numExamples, 'num_examples');
    const metrics = checkMetrics(body.metrics);
    if (task.kind === 'evaluate') {
      if (!Number.isFinite(body.loss)) throw new FederaError('E_NONFINITE', `evaluation loss is ${body.loss}`);
      return {
        task,
        seq,
        invalid: false,
        outcome: { ok: true, clientId, value: { clientId, loss: body.loss, numExamples, metrics } },
      };
    }
    if (!(numExamples > 0)) throw new FederaError('E_ARG', 'a training reply needs num_examples > 0');
    if (task.config[SECURE_AGGREGATION_KEY] !== undefined) {
      // Secure aggregation: the client keeps its update; it arrives only masked, in the session.
      if (body.updateId) throw new FederaError('E_UPLOAD', 'this round aggregates securely: send no plain update');
      const withheld = new Weights([]);
      return {
        task,
        seq,
        invalid: false,
        outcome: { ok: true, clientId, value: { clientId, update: withheld, numExamples, metrics } },
      };
    }
    const bytes = await uploaded(c, task, body);
    const { weights } = decodeWeights(bytes, { expect: task.weights, maxBytes: c.maxUpdateBytes(task), copy: true });
    return {
      task,
      seq,
      invalid: false,
      updateHash: hex(body.updateSha256),
      outcome: { ok: true, clientId, value: { clientId, update: weights, numExamples, metrics } },
    };
  } catch (e) {
    return { task, seq, invalid: true, outcome: { ok: false, clientId, error: errorInfo(e) } };
  }
}

/** The complete upload the reply names, checked against its signed length and SHA-256. */
async function uploaded(c: ReplyContext, task: PendingTask, body: ReplyBody): Promise<Uint8Array> {
  const a = c.upload(body.updateId);
  if (!a || body.updateId !== `u-${task.id}`) {
    throw new FederaError(
      'E_UPLOAD',
      `update '${body.updateId}' was not uploaded for task '${task.id}'`,
      'send the update as Chunk frames before the Reply',
    );
  }
  const bytes = a.bytes();
  if (
    bytes.byteLength !== safeNumber(body.updateBytes, 'update_bytes') ||
    !equalBytes(await sha256(bytes), body.updateSha256)
  ) {
    throw new FederaError('E_UPDATE_HASH', 'the uploaded update does not match the signed length and SHA-256');
  }
  return bytes;
}
