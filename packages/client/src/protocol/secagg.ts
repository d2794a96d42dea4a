import { create } from '@bufbuild/protobuf';
import {
  type SecAggRequest as CoreRequest,
  type SecAggResponse as CoreResponse,
  FederaError,
  type SecAggParams,
} from '@federa/core';
import {
  type SecAggCiphertexts,
  SecAggRequestSchema,
  SecAggResponseSchema,
  type SecAggShare,
  type SecAggRequest as WireRequest,
  type SecAggResponse as WireResponse,
} from '../gen/federa_pb.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A plain Uint8Array copy: decoded bytes may be Node Buffers, which some libraries refuse (Shamir). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b);

function bad(what: string): FederaError {
  return new FederaError('E_FRAME', `SecAgg message: ${what}`, 'the peer speaks another protocol version');
}

/** The server's SecAgg step as a protobuf message (its recipient is the task's client). */
export function secAggRequestToWire(r: CoreRequest): WireRequest {
  switch (r.step) {
    case 'setup': {
      const p = r.params;
      return create(SecAggRequestSchema, {
        step: {
          case: 'setup',
          value: {
            sessionId: p.sessionId,
            vectorLength: p.vectorLength,
            bits: p.bits,
            clip: p.clip,
            scale: p.scale,
            threshold: p.threshold,
            weighted: p.weighted,
            l2Clip: p.l2Clip,
            noiseStd: p.noiseStd,
            weight: r.weight,
          },
        },
      });
    }
    case 'keyList':
      return create(SecAggRequestSchema, { step: { case: 'keyList', value: { keys: [...r.keys] } } });
    case 'forwarded':
      return create(SecAggRequestSchema, {
        step: {
          case: 'forwarded',
          value: { ciphertexts: r.ciphertexts.map((c) => ({ peer: c.from, ciphertext: c.ciphertext })) },
        },
      });
    case 'unmask':
      return create(SecAggRequestSchema, {
        step: { case: 'unmask', value: { survivors: [...r.survivors], dropped: [...r.dropped] } },
      });
  }
}

/** A SecAgg step received from the server, addressed to `to` (this client). */
export function secAggRequestFromWire(w: WireRequest | undefined, to: string): CoreRequest {
  const s = w?.step;
  switch (s?.case) {
    case 'setup': {
      const v = s.value;
      const params: SecAggParams = {
        sessionId: plain(v.sessionId),
        vectorLength: v.vectorLength,
        bits: v.bits,
        clip: v.clip,
        scale: v.scale,
        threshold: v.threshold,
        weighted: v.weighted,
        l2Clip: v.l2Clip,
        noiseStd: v.noiseStd,
      };
      return { step: 'setup', to, params, weight: v.weight };
    }
    case 'keyList':
      return {
        step: 'keyList',
        to,
        keys: s.value.keys.map((k) => ({ id: k.id, cPk: plain(k.cPk), sPk: plain(k.sPk) })),
      };
    case 'forwarded':
      return {
        step: 'forwarded',
        to,
        ciphertexts: s.value.ciphertexts.map((c) => ({ from: c.peer, ciphertext: plain(c.ciphertext) })),
      };
    case 'unmask':
      return { step: 'unmask', to, survivors: s.value.survivors, dropped: s.value.dropped };
    default:
      throw bad('a secure-aggregation task carries no step');
  }
}

/** A client's answer as a protobuf message, and the bytes to upload (the masked input). */
export function secAggResponseToWire(r: CoreResponse): { readonly msg: WireResponse; readonly upload?: Uint8Array } {
  const shares = (l: readonly { of: string; share: Uint8Array }[]) => l.map((x) => ({ of: x.of, share: x.share }));
  switch (r.step) {
    case 'advertise':
      return { msg: create(SecAggResponseSchema, { step: { case: 'advertise', value: { cPk: r.cPk, sPk: r.sPk } } }) };
    case 'shareKeys':
      return {
        msg: create(SecAggResponseSchema, {
          step: {
            case: 'shareKeys',
            value: { ciphertexts: r.ciphertexts.map((c) => ({ peer: c.to, ciphertext: c.ciphertext })) },
          },
        }),
      };
    case 'masked':
      return {
        msg: create(SecAggResponseSchema, { step: { case: 'masked', value: { words: r.y.length } } }),
        upload: wordsToBytes(r.y),
      };
    case 'unmask':
      return {
        msg: create(SecAggResponseSchema, {
          step: { case: 'unmask', value: { bShares: shares(r.bShares), sShares: shares(r.sShares) } },
        }),
      };
  }
}

/**
 * A client's answer received by the server, attributed to the authenticated sender `from`
 * (never to an id inside the message). `upload` is the masked input's bytes for 'masked'.
 */
export function secAggResponseFromWire(w: WireResponse | undefined, from: string, upload?: Uint8Array): CoreResponse {
  const s = w?.step;
  const shares = (l: readonly SecAggShare[]) => l.map((x) => ({ of: x.of, share: plain(x.share) }));
  const cts = (c: SecAggCiphertexts) => c.ciphertexts.map((x) => ({ to: x.peer, ciphertext: plain(x.ciphertext) }));
  switch (s?.case) {
    case 'advertise':
      return { step: 'advertise', from, cPk: plain(s.value.cPk), sPk: plain(s.value.sPk) };
    case 'shareKeys':
      return { step: 'shareKeys', from, ciphertexts: cts(s.value) };
    case 'masked': {
      if (!upload || upload.byteLength !== 4 * s.value.words) {
        throw bad(`the masked input must be uploaded as ${s.value.words} words (${4 * s.value.words} bytes)`);
      }
      return { step: 'masked', from, y: bytesToWords(upload) };
    }
    case 'unmask':
      return { step: 'unmask', from, bShares: shares(s.value.bShares), sShares: shares(s.value.sShares) };
    default:
      throw bad('a secure-aggregation reply carries no step');
  }
}

/** uint32 words as little-endian bytes (a view on little-endian platforms). */
export function wordsToBytes(y: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  const out = new Uint8Array(y.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < y.length; i++) dv.setUint32(4 * i, y[i]!, true);
  return out;
}

/** Little-endian bytes (a multiple of 4) as uint32 words, copied. */
export function bytesToWords(b: Uint8Array): Uint32Array {
  const out = new Uint32Array(b.byteLength >>> 2);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  else {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(4 * i, true);
  }
  return out;
}
