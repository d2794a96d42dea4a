import { split } from 'shamir-secret-sharing';
import { FederaError } from '../errors.js';
import { type RandomSource, secureSource, seededSource } from '../privacy/random-source.js';
import type { Rng } from '../rng.js';
import {
  bytesEqual,
  open,
  pairwiseMaskKey,
  type RandomBytes,
  roundingRng,
  type SecAggCrypto,
  type SecAggKey,
  type SecAggMask,
  seal,
  secureRandomBytes,
  seededRandomBytes,
  selfMaskKey,
  shareKey,
  webCryptoSecAgg,
  type X25519Pair,
  x25519Generate,
} from './crypto.js';
import { addDiscreteGaussian } from './discrete-gaussian.js';
import type {
  AdvertiseKeysMessage,
  ForwardedSharesMessage,
  KeyListMessage,
  MaskedInputMessage,
  PublicKeys,
  ShareKeysMessage,
  ShareOf,
  UnmaskRequestMessage,
  UnmaskResponseMessage,
} from './messages.js';
import { type SecAggParams, validateParams } from './params.js';
import { addRing, quantize, reduce } from './quantize.js';
import { decodeSharePlaintext, encodeSharePlaintext } from './share-plaintext.js';

export interface SecAggClientOptions {
  /**
   * Seeds every secret this client draws (keys, b_u, IVs, rounding, DP noise) for a
   * reproducible simulation. Never in deployment: whoever knows the seed can unmask the
   * input. Default: the platform CSPRNG.
   */
  readonly rng?: Rng;
  /**
   * Generate the X25519 key pairs with WebCrypto even when `rng` is given (4× faster than
   * importing seeded keys; the keys then differ between runs, the sum does not).
   */
  readonly platformKeys?: boolean;
  /**
   * The cryptographic primitives (default `webCryptoSecAgg`, isomorphic). A Node runtime may
   * pass a `node:crypto` provider, several times faster; every provider computes the same
   * keys and masks, so clients and server need not use the same one.
   */
  readonly crypto?: SecAggCrypto;
}

type State = 'new' | 'advertised' | 'shared' | 'masked' | 'done';

/**
 * One client's side of SecAgg (Bonawitz et al. 2017, semi-honest variant) or SecAgg+ (Bell
 * et al. 2020) as a message-level state machine: each method takes the server's message of
 * the previous round and returns this client's message for the next, in order
 * advertiseKeys → shareKeys → maskedInput → unmask. Calling out of order, or a message
 * addressed to another client, throws E_SECAGG_PHASE / E_SECAGG_MESSAGE; a share
 * ciphertext that does not authenticate throws E_SECAGG_CIPHERTEXT. A client reveals, per
 * other client, either its b share or its s^SK share, never both.
 *
 * @example
 * const c = new SecAggClient('alice', params);
 * const m0 = await c.advertiseKeys(); // → server; then shareKeys(keyList), maskedInput(shares, x), unmask(req)
 */
export class SecAggClient {
  private state: State = 'new';
  private readonly random: RandomBytes;
  private readonly noise: RandomSource;
  private readonly keyRandom: RandomBytes | undefined;
  private readonly crypto: SecAggCrypto;
  private c?: X25519Pair;
  private s?: X25519Pair;
  private bSeed?: Uint8Array;
  private keys = new Map<string, PublicKeys>();
  /** AES-GCM keys agreed with each neighbour in ShareKeys, reused to open its shares. */
  private agreed = new Map<string, SecAggKey>();
  /** Decrypted shares this client holds of each u ∈ U_2 ∩ N̄(self). */
  private held = new Map<string, { b: Uint8Array; s: Uint8Array }>();

  constructor(
    readonly id: string,
    readonly params: SecAggParams,
    opts: SecAggClientOptions = {},
  ) {
    validateParams(params);
    if (typeof id !== 'string' || id.length === 0)
      throw new FederaError('E_ARG', 'a SecAgg client id is a non-empty string');
    this.random = opts.rng ? seededRandomBytes(opts.rng.fork('bytes')) : secureRandomBytes;
    this.noise = opts.rng ? seededSource(opts.rng.fork('noise')) : secureSource();
    this.keyRandom = opts.rng && !opts.platformKeys ? this.random : undefined;
    this.crypto = opts.crypto ?? webCryptoSecAgg;
  }

  /** Round 0: two fresh X25519 key pairs, (c_u^PK, s_u^PK) to the server. */
  async advertiseKeys(): Promise<AdvertiseKeysMessage> {
    this.step('new', 'advertised', 'advertiseKeys');
    [this.c, this.s] = await Promise.all([
      x25519Generate(this.crypto, this.keyRandom),
      x25519Generate(this.crypto, this.keyRandom),
    ]);
    return { from: this.id, cPk: this.c.publicKey, sPk: this.s.publicKey };
  }

  /**
   * Round 1: checks the neighbours' keys (own keys present, ≥ t clients, distinct), draws the
   * self-mask seed b_u, Shamir-shares b_u and s_u^SK t-out-of-|N̄(u)| and encrypts each pair of
   * shares to its recipient under HKDF(X25519(c_u^SK, c_v^PK)).
   */
  async shareKeys(msg: KeyListMessage): Promise<ShareKeysMessage> {
    this.addressed(msg.to, 'KeyList');
    this.step('advertised', 'shared', 'shareKeys');
    const { threshold: t, sessionId } = this.params;
    const ids = new Set<string>();
    const pks = new Set<string>();
    for (const k of msg.keys) {
      if (!(k.cPk instanceof Uint8Array && k.cPk.length === 32 && k.sPk instanceof Uint8Array && k.sPk.length === 32)) {
        throw this.bad(`KeyList: client '${k.id}' has malformed public keys (32 bytes each expected)`);
      }
      ids.add(k.id);
      pks.add(hex(k.cPk)).add(hex(k.sPk));
    }
    if (ids.size !== msg.keys.length || pks.size !== 2 * msg.keys.length) {
      throw this.bad('KeyList: repeated client ids or public keys');
    }
    const self = msg.keys.find((k) => k.id === this.id);
    if (!self || !bytesEqual(self.cPk, this.c!.publicKey) || !bytesEqual(self.sPk, this.s!.publicKey)) {
      throw this.bad("KeyList: this client's own keys are missing or altered");
    }
    if (msg.keys.length < t) {
      throw thresholdError(
        `client '${this.id}' has ${msg.keys.length} clients in its neighbourhood, fewer than t = ${t}`,
      );
    }
    if (msg.keys.length > 255) {
      throw new FederaError(
        'E_ARG',
        `a neighbourhood of ${msg.keys.length} clients exceeds the 255 Shamir shares of GF(2^8)`,
        'use SecAgg+ (a sparse neighbour graph) for more than 255 clients',
      );
    }
    for (const k of msg.keys) this.keys.set(k.id, k);
    this.bSeed = this.random(32);
    const n = msg.keys.length;
    const [bShares, sShares] = await Promise.all([split(this.bSeed, n, t), split(this.s!.secretKey, n, t)]);
    const ciphertexts = await Promise.all(
      msg.keys.map(async (k, i) => {
        const key = await shareKey(this.crypto, this.c!, k.cPk, sessionId);
        this.agreed.set(k.id, key);
        const pt = encodeSharePlaintext(this.id, k.id, bShares[i]!, sShares[i]!);
        return { to: k.id, ciphertext: await seal(this.crypto, key, pt, sessionId, this.random) };
      }),
    );
    return { from: this.id, ciphertexts };
  }

  /**
   * Round 2: decrypts the shares forwarded from U_2 (rejecting any that fail authentication or
   * name another sender/recipient), then sends y_u = q(x_u) [+ DP noise] + PRG(b_u) +
   * Σ_{v ∈ U_2 ∩ N(u)} Δ_{u,v}·PRG(s_{u,v}) mod 2^k, Δ = +1 when u > v (string order), −1 when u < v.
   * `weight` ∈ (0, 1] multiplies the input and travels as one extra ring element (weighted params).
   */
  async maskedInput(msg: ForwardedSharesMessage, input: Float32Array, weight = 1): Promise<MaskedInputMessage> {
    this.addressed(msg.to, 'ForwardedShares');
    const p = this.params;
    if (input.length !== p.vectorLength) {
      throw new FederaError(
        'E_SHAPE',
        `SecAgg input has ${input.length} values, the session expects ${p.vectorLength}`,
      );
    }
    if (!(weight > 0 && weight <= 1)) {
      throw new FederaError('E_ARG', `SecAgg weight must be in (0, 1], got ${weight}`, 'divide n_k by the session cap');
    }
    if (!p.weighted && weight !== 1) throw new FederaError('E_ARG', 'this session is unweighted: weight must be 1');
    this.step('shared', 'masked', 'maskedInput');
    const senders = new Set<string>();
    await Promise.all(
      msg.ciphertexts.map(async ({ from, ciphertext }) => {
        const key = this.agreed.get(from);
        if (!key || senders.has(from)) throw this.cipherError(`a share from '${from}', not a neighbour (or repeated)`);
        senders.add(from);
        const pt = await open(this.crypto, key, ciphertext, p.sessionId);
        const dec = pt && decodeSharePlaintext(pt);
        if (!dec || dec.from !== from || dec.to !== this.id) {
          throw this.cipherError(
            `the share ciphertext from '${from}' does not authenticate for this client and session`,
          );
        }
        this.held.set(from, { b: dec.b, s: dec.s });
      }),
    );
    if (!senders.has(this.id)) throw this.bad("ForwardedShares: this client's own shares are missing");
    if (senders.size < p.threshold) {
      throw thresholdError(
        `client '${this.id}' received shares from ${senders.size} clients after ShareKeys, fewer than t = ${p.threshold}`,
      );
    }
    const y = quantize(
      input,
      { clip: p.clip, scale: p.scale, weight, l2Clip: p.l2Clip, extra: p.weighted },
      roundingRng(this.random),
    );
    if (p.noiseStd > 0) addDiscreteGaussian(y.subarray(0, p.vectorLength), p.noiseStd, this.noise);
    const crypto = this.crypto;
    const others = [...senders].filter((v) => v !== this.id);
    const masks: SecAggMask[] = await Promise.all([
      selfMaskKey(crypto, this.bSeed!, p.sessionId).then((key) => ({ key, sign: 1 as const })),
      ...others.map(async (v) => ({
        key: await pairwiseMaskKey(crypto, this.s!, this.keys.get(v)!.sPk, p.sessionId),
        sign: this.id > v ? (1 as const) : (-1 as const),
      })),
    ]);
    await crypto.addMasks(masks, y);
    return { from: this.id, y: reduce(y, p.bits) };
  }

  /** Round 3: b shares of the listed survivors, s^SK shares of the listed dropped clients. */
  async unmask(msg: UnmaskRequestMessage): Promise<UnmaskResponseMessage> {
    this.addressed(msg.to, 'UnmaskRequest');
    this.step('masked', 'done', 'unmask');
    const surv = new Set(msg.survivors);
    if (msg.dropped.some((d) => surv.has(d)))
      throw this.bad('UnmaskRequest: a client is listed as both survivor and dropped');
    if (!surv.has(this.id))
      throw this.bad('UnmaskRequest: this client, which sent its masked input, is not a survivor');
    if (surv.size < this.params.threshold) {
      throw thresholdError(
        `client '${this.id}' sees ${surv.size} surviving neighbours, fewer than t = ${this.params.threshold}`,
      );
    }
    const pick = (ids: readonly string[], which: 'b' | 's'): ShareOf[] =>
      ids.map((of) => {
        const h = this.held.get(of);
        if (!h) throw this.bad(`UnmaskRequest: this client holds no shares of '${of}'`);
        return { of, share: h[which] };
      });
    const res = { from: this.id, bShares: pick(msg.survivors, 'b'), sShares: pick(msg.dropped, 's') };
    this.held.clear();
    return res;
  }

  private step(from: State, to: State, what: string): void {
    if (this.state !== from) {
      throw new FederaError(
        'E_SECAGG_PHASE',
        `SecAgg client '${this.id}': ${what} called in state '${this.state}'`,
        'call advertiseKeys, shareKeys, maskedInput, unmask once each, in that order',
      );
    }
    this.state = to;
  }

  private addressed(to: string, what: string): void {
    if (to !== this.id) throw this.bad(`${what} is addressed to '${to}'`);
  }

  private bad(message: string): FederaError {
    return new FederaError('E_SECAGG_MESSAGE', `SecAgg client '${this.id}': ${message}`);
  }

  private cipherError(message: string): FederaError {
    return new FederaError(
      'E_SECAGG_CIPHERTEXT',
      `SecAgg client '${this.id}': ${message}`,
      'the server relayed a tampered or foreign ciphertext; abort this round',
    );
  }
}

/** y += sign·m mod 2^32 (`addRing`: WebAssembly SIMD where available). */
export function addInto(y: Uint32Array, m: Uint32Array, sign: 1 | -1): void {
  addRing(y, m, sign);
}

export function thresholdError(message: string): FederaError {
  return new FederaError(
    'E_SECAGG_THRESHOLD',
    message,
    'too many clients dropped to unmask the sum safely; retry the round with more clients, a lower threshold or a higher SecAgg+ degree',
  );
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
