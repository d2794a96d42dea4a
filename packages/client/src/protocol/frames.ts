import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { FederaError } from '@federa/core';
import { type Envelope, EnvelopeSchema } from '../gen/federa_pb.js';

/** Version of the protocol in proto/federa.proto (sent in Challenge). */
export const PROTOCOL_VERSION = 1;

/** Default chunk size for model transfers: 1 MiB. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Default largest frame: a chunk plus room for the envelope. */
export const DEFAULT_MAX_FRAME_BYTES = DEFAULT_CHUNK_BYTES + 64 * 1024;

/** One frame's message, by case (what `Envelope.msg` holds). */
export type Frame = Envelope['msg'];
export type FrameCase = NonNullable<Frame['case']>;
/** The message of one case, e.g. `FrameOf<'task'>` is a Task. */
export type FrameOf<C extends FrameCase> = Extract<Frame, { case: C }>['value'];

/** What `encodeFrame` takes: `{ case: 'want', value: { transferId, offset } }`. */
export type FrameInit = MessageInitShape<typeof EnvelopeSchema>['msg'];

/**
 * Encodes one frame (one Envelope).
 *
 * @example
 * socket.send(encodeFrame({ case: 'ping', value: { timeMs: BigInt(Date.now()) } }));
 */
export function encodeFrame(msg: FrameInit): Uint8Array {
  return toBinary(EnvelopeSchema, create(EnvelopeSchema, { msg }));
}

/**
 * Decodes one received frame, treating it as untrusted: text frames, frames over `maxBytes`,
 * bytes that are not a protobuf Envelope and envelopes with no message are refused with
 * `FederaError('E_FRAME')` (or 'E_TOO_LARGE').
 */
export function decodeFrame(data: unknown, maxBytes = DEFAULT_MAX_FRAME_BYTES): Frame & { case: FrameCase } {
  const bytes = asBytes(data);
  if (!bytes) {
    throw new FederaError(
      'E_FRAME',
      'received a text frame; federa speaks binary Protobuf frames',
      'send Envelope messages as binary WebSocket frames',
    );
  }
  if (bytes.byteLength > maxBytes) {
    throw new FederaError(
      'E_TOO_LARGE',
      `frame of ${bytes.byteLength} bytes is over the ${maxBytes}-byte limit`,
      'split large payloads into Chunk messages of Welcome.chunk_bytes',
    );
  }
  let env: Envelope;
  try {
    env = fromBinary(EnvelopeSchema, bytes);
  } catch (e) {
    throw new FederaError(
      'E_FRAME',
      `malformed frame (${bytes.byteLength} bytes): ${e instanceof Error ? e.message : String(e)}`,
      'send one federa.v1.Envelope per binary frame',
    );
  }
  if (env.msg.case === undefined) {
    throw new FederaError('E_FRAME', 'frame carries no message (empty Envelope)', 'set one of the Envelope fields');
  }
  return env.msg as Frame & { case: FrameCase };
}

/** The bytes of a WebSocket message (ArrayBuffer, typed array, Node Buffer or Buffer[]), or undefined for text. */
export function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const n = data.reduce((s, d: Uint8Array) => s + d.byteLength, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const d of data as Uint8Array[]) {
      out.set(d, o);
      o += d.byteLength;
    }
    return out;
  }
  return undefined;
}
