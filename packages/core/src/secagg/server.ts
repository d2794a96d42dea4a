import { combine } from 'shamir-secret-sharing';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { addInto, thresholdError } from './client.js';
import {
  bytesEqual,
  pairwiseMaskKey,
  type SecAggCrypto,
  type SecAggMask,
  secureRandomBytes,
  seededRandomBytes,
  selfMaskKey,
  webCryptoSecAgg,
} from './crypto.js';
import { closedNeighbourhood, completeGraph, hararyGraph, type NeighbourGraph, secAggPlusDegree } from './graph.js';
import type {
  AdvertiseKeysMessage,
  ForwardedSharesMessage,
  KeyListMessage,
  MaskedInputMessage,
  PublicKeys,
  ShareKeysMessage,
  UnmaskRequestMessage,
  UnmaskResponseMessage,
} from './messages.js';
import { resolveThreshold, ringLength, ringScale, type SecAggParams, validateParams } from './params.js';
import { dequantize, reduce } from './quantize.js';
import { SHARE_BYTES } from './share-plaintext.js';

/** Distributed DP: each client adds discrete Gaussian noise so the sum of all n carries std z·S. */
export interface SecAggDpOptions {
  /** S: each input is clipped to this L2 norm. */
  readonly clipNorm: number;
  /** z: the summed noise has std z·S (model units) when all n clients contribute; each adds z·S/√n. */
  readonly noiseMultiplier: number;
}

export interface SecAggServerOptions {
  /** U: the clients of this session (distinct ids). */
  readonly clientIds: readonly string[];
  /** m: values per input vector. */
  readonly vectorLength: number;
  /** t as a fraction of each closed neighbourhood (0 < t < 1) or a share count (integer ≥ 2). */
  readonly threshold: number;
  /** 'complete' (SecAgg, default), 'harary' (SecAgg+ with degree 4·log2 n) or a SecAgg+ degree k. */
  readonly neighbours?: 'complete' | 'harary' | number;
  /** k: ring Z_{2^k}, 2 ≤ k ≤ 32 (default 32). */
  readonly bits?: number;
  /** c: coordinates are clipped to [−c, c]. */
  readonly clip: number;
  /** Clients send a weight in (0, 1] with their input (default false: plain sum). */
  readonly weighted?: boolean;
  readonly dp?: SecAggDpOptions;
  /** Seeds the graph permutation and session id (simulation); default: the platform CSPRNG. */
  readonly rng?: Rng;
  /** The cryptographic primitives (default `webCryptoSecAgg`); see `SecAggClientOptions.crypto`. */
  readonly crypto?: SecAggCrypto;
}

/** What the server learns: the sum over the clients whose masked input arrived, and who they were. */
export interface SecAggResult {
  /** Σ_{u ∈ U_3} w_u·x_u, dequantized (w_u = 1 unweighted). */
  readonly sum: Float64Array;
  /** Σ_{u ∈ U_3} w_u (the survivor count when unweighted). */
  readonly weightSum: number;
  /** U_3: the clients whose input is in the sum (a client that dropped after sending y_u is). */
  readonly survivors: readonly string[];
  /** U \ U_3: the clients whose input is not in the sum. */
  readonly dropped: readonly string[];
}

type Phase = 'advertiseKeys' | 'shareKeys' | 'maskedInputCollection' | 'unmasking' | 'done';

/**
 * The server's side of SecAgg / SecAgg+ as a message-level state machine. Per round:
 * `receive…` each client's message as it arrives (a malformed or unexpected one throws
 * E_SECAGG_MESSAGE: drop that client), then `finish…` closes the round and returns the
 * messages to send, one per live recipient. `finishUnmasking` reconstructs the needed
 * secrets with Shamir, removes the masks and returns the sum. Whenever fewer than t clients
 * remain where t are needed (globally, or in some client's neighbourhood under SecAgg+),
 * the round ends with E_SECAGG_THRESHOLD: the server never returns a wrong sum.
 *
 * @example
 * const server = new SecAggServer({ clientIds, vectorLength: m, threshold: 0.5, clip: 1 });
 * // send server.params to each client, then: receiveAdvertiseKeys(...) ... finishUnmasking()
 */
export class SecAggServer {
  readonly params: SecAggParams;
  readonly graph: NeighbourGraph;
  private phase: Phase = 'advertiseKeys';
  private readonly ids: ReadonlySet<string>;
  private readonly keys = new Map<string, PublicKeys>();
  private readonly shares = new Map<string, ShareKeysMessage['ciphertexts']>();
  private sum?: Uint32Array;
  private readonly u3 = new Set<string>();
  private readonly responses = new Map<string, UnmaskResponseMessage>();
  private readonly crypto: SecAggCrypto;

  constructor(opts: SecAggServerOptions) {
    const ids = opts.clientIds;
    this.ids = new Set(ids);
    if (this.ids.size !== ids.length) throw new FederaError('E_ARG', 'SecAgg clientIds must be distinct');
    if (ids.length < 2) throw new FederaError('E_ARG', `SecAgg needs at least 2 clients, got ${ids.length}`);
    const rng = opts.rng;
    this.crypto = opts.crypto ?? webCryptoSecAgg;
    const nb = opts.neighbours ?? 'complete';
    if (nb === 'complete') this.graph = completeGraph(ids);
    else {
      const degree = nb === 'harary' ? secAggPlusDegree(ids.length) : nb;
      this.graph = hararyGraph(ids, degree, rng?.fork('graph') ?? new Rng(readU32(secureRandomBytes(4))));
    }
    const size = 1 + (this.graph.get(ids[0]!)?.length ?? 0);
    const threshold = resolveThreshold(opts.threshold, size);
    const bits = opts.bits ?? 32;
    const n = ids.length;
    const dp = opts.dp;
    if (dp && !(dp.clipNorm > 0 && dp.noiseMultiplier > 0 && Number.isFinite(dp.clipNorm * dp.noiseMultiplier))) {
      throw new FederaError('E_ARG', 'dp.clipNorm and dp.noiseMultiplier must be positive numbers');
    }
    const sumNoise = dp ? dp.noiseMultiplier * dp.clipNorm : 0;
    const scale = ringScale(bits, n, opts.clip, sumNoise);
    this.params = {
      sessionId: rng ? seededRandomBytes(rng.fork('session'))(16) : secureRandomBytes(16),
      vectorLength: opts.vectorLength,
      bits,
      clip: opts.clip,
      scale,
      threshold,
      weighted: opts.weighted ?? false,
      l2Clip: dp?.clipNorm ?? 0,
      noiseStd: dp ? (sumNoise * scale) / Math.sqrt(n) : 0,
    };
    validateParams(this.params);
    if (!(scale * opts.clip >= 1)) {
      throw new FederaError(
        'E_ARG',
        `a ${bits}-bit ring leaves less than one level per client value for ${n} clients`,
        'use more bits (32)',
      );
    }
  }

  /** Round 0 in: a client's public keys. */
  receiveAdvertiseKeys(msg: AdvertiseKeysMessage): void {
    this.expect('advertiseKeys');
    this.sender(msg.from, this.ids, this.keys);
    if (
      !(
        msg.cPk instanceof Uint8Array &&
        msg.cPk.length === 32 &&
        msg.sPk instanceof Uint8Array &&
        msg.sPk.length === 32
      )
    ) {
      throw this.bad(`AdvertiseKeys from '${msg.from}': public keys must be 32 bytes each`);
    }
    this.keys.set(msg.from, { id: msg.from, cPk: msg.cPk.slice(), sPk: msg.sPk.slice() });
  }

  /** Round 0 out: to each u ∈ U_1, the keys of N̄(u) ∩ U_1. */
  finishAdvertiseKeys(): KeyListMessage[] {
    this.expect('advertiseKeys');
    const u1 = new Set(this.keys.keys());
    this.checkNeighbourhoods(u1, u1, 'AdvertiseKeys');
    this.phase = 'shareKeys';
    return [...u1].map((u) => ({
      to: u,
      keys: closedNeighbourhood(this.graph, u)
        .filter((v) => u1.has(v))
        .map((v) => this.keys.get(v)!),
    }));
  }

  /** Round 1 in: a client's encrypted shares, one per member of N̄(u) ∩ U_1. */
  receiveShareKeys(msg: ShareKeysMessage): void {
    this.expect('shareKeys');
    this.sender(msg.from, this.keys, this.shares);
    const want = closedNeighbourhood(this.graph, msg.from).filter((v) => this.keys.has(v));
    const got = new Set(msg.ciphertexts.map((c) => c.to));
    if (got.size !== msg.ciphertexts.length || got.size !== want.length || !want.every((v) => got.has(v))) {
      throw this.bad(`ShareKeys from '${msg.from}': expected one ciphertext for each of ${want.length} neighbours`);
    }
    if (msg.ciphertexts.some((c) => !(c.ciphertext instanceof Uint8Array) || c.ciphertext.length > 4096)) {
      throw this.bad(`ShareKeys from '${msg.from}': a ciphertext is not bytes or is too large`);
    }
    this.shares.set(msg.from, msg.ciphertexts);
  }

  /** Round 1 out: to each v ∈ U_2, the ciphertexts addressed to it by u ∈ U_2. */
  finishShareKeys(): ForwardedSharesMessage[] {
    this.expect('shareKeys');
    const u2 = new Set(this.shares.keys());
    this.checkNeighbourhoods(u2, u2, 'ShareKeys');
    const inbox = new Map<string, { from: string; ciphertext: Uint8Array }[]>([...u2].map((v) => [v, []]));
    for (const [from, cts] of this.shares) {
      for (const { to, ciphertext } of cts) inbox.get(to)?.push({ from, ciphertext });
    }
    this.phase = 'maskedInputCollection';
    return [...inbox].map(([to, ciphertexts]) => ({ to, ciphertexts }));
  }

  /** Round 2 in: a masked input y_u, folded into the running sum (the server keeps no y_u). */
  receiveMaskedInput(msg: MaskedInputMessage): void {
    this.expect('maskedInputCollection');
    this.sender(msg.from, this.shares, this.u3);
    const len = ringLength(this.params);
    if (!(msg.y instanceof Uint32Array) || msg.y.length !== len) {
      throw this.bad(`MaskedInput from '${msg.from}': expected a Uint32Array of ${len} ring elements`);
    }
    this.sum ??= new Uint32Array(len);
    addInto(this.sum, msg.y, 1);
    this.u3.add(msg.from);
  }

  /** Round 2 out: to each v ∈ U_3, which clients whose shares it holds survived (sent y) or dropped. */
  finishMaskedInputCollection(): UnmaskRequestMessage[] {
    this.expect('maskedInputCollection');
    const u2 = new Set(this.shares.keys());
    if (this.u3.size < this.params.threshold) {
      throw thresholdError(
        `${this.u3.size} of ${this.ids.size} clients sent masked inputs, fewer than t = ${this.params.threshold}`,
      );
    }
    // Every secret to reconstruct needs t holders among the survivors.
    this.checkNeighbourhoods(this.needed(), this.u3, 'MaskedInputCollection');
    this.phase = 'unmasking';
    return [...this.u3].map((v) => {
      const held = closedNeighbourhood(this.graph, v).filter((u) => u2.has(u));
      return { to: v, survivors: held.filter((u) => this.u3.has(u)), dropped: held.filter((u) => !this.u3.has(u)) };
    });
  }

  /** Round 3 in: a survivor's shares. */
  receiveUnmasking(msg: UnmaskResponseMessage): void {
    this.expect('unmasking');
    this.sender(msg.from, this.u3, this.responses);
    const ok = (l: UnmaskResponseMessage['bShares']) =>
      Array.isArray(l) && l.every((s) => s.share instanceof Uint8Array && s.share.length === SHARE_BYTES);
    if (!ok(msg.bShares) || !ok(msg.sShares)) throw this.bad(`Unmasking from '${msg.from}': malformed shares`);
    this.responses.set(msg.from, msg);
  }

  /**
   * Round 3 out: reconstructs b_u for every u ∈ U_3 and s_u^SK for every u ∈ U_2 \ U_3 with a
   * neighbour in U_3 (checking it against the advertised s_u^PK), removes PRG(b_u) and the
   * dropped clients' pairwise masks, and dequantizes Σ y_u mod 2^k.
   */
  async finishUnmasking(): Promise<SecAggResult> {
    this.expect('unmasking');
    const p = this.params;
    const t = p.threshold;
    const bShares = new Map<string, Uint8Array[]>();
    const sShares = new Map<string, Uint8Array[]>();
    for (const r of this.responses.values()) {
      const allowed = new Set(closedNeighbourhood(this.graph, r.from));
      for (const [list, into] of [
        [r.bShares, bShares],
        [r.sShares, sShares],
      ] as const) {
        for (const { of, share } of list) if (allowed.has(of)) into.set(of, [...(into.get(of) ?? []), share]);
      }
    }
    const gather = (u: string, from: Map<string, Uint8Array[]>, what: string): Uint8Array[] => {
      const got = from.get(u) ?? [];
      if (got.length < t) {
        throw thresholdError(
          `only ${got.length} of ${t} shares of ${what} of client '${u}' arrived in Unmasking (${this.responses.size} of ${this.u3.size} survivors answered)`,
        );
      }
      return got.slice(0, t);
    };
    const sum = this.sum!;
    const crypto = this.crypto;
    // Reconstruct every secret first (so a missing share refuses before any work), then expand the masks.
    const masks: (() => Promise<SecAggMask>)[] = [];
    for (const u of this.u3) {
      const b = await combine(gather(u, bShares, 'the self-mask seed b_u'));
      masks.push(() => selfMaskKey(crypto, b, p.sessionId).then((key) => ({ key, sign: -1 })));
    }
    for (const u of this.needed()) {
      if (this.u3.has(u)) continue;
      const secret = await combine(gather(u, sShares, 'the mask key s_u^SK'));
      const pair = await crypto.x25519FromSecret(secret);
      if (!bytesEqual(pair.publicKey, this.keys.get(u)!.sPk)) {
        throw new FederaError(
          'E_SECAGG_RECONSTRUCT',
          `the reconstructed mask key of dropped client '${u}' does not match its advertised public key`,
          'a survivor sent a wrong share; abort this round',
        );
      }
      for (const v of this.graph.get(u) ?? []) {
        if (!this.u3.has(v)) continue;
        // y_v holds Δ_{v,u}·PRG(s_{v,u}) with Δ = +1 when v > u: subtract it.
        const sign = v > u ? -1 : 1;
        masks.push(() =>
          pairwiseMaskKey(crypto, pair, this.keys.get(v)!.sPk, p.sessionId).then((key) => ({ key, sign })),
        );
      }
    }
    await crypto.addMasks(await Promise.all(masks.map((mask) => mask())), sum);
    reduce(sum, p.bits);
    this.phase = 'done';
    const values = dequantize(sum, p.bits, p.scale, 0, p.vectorLength);
    const weightSum = p.weighted ? dequantize(sum, p.bits, p.scale * p.clip, p.vectorLength)[0]! : this.u3.size;
    const survivors = [...this.u3];
    return { sum: values, weightSum, survivors, dropped: [...this.ids].filter((u) => !this.u3.has(u)) };
  }

  /** The clients whose secrets must be reconstructed: U_3 (b) and the dropped of U_2 with a neighbour in U_3 (s^SK). */
  private needed(): Set<string> {
    const out = new Set(this.u3);
    for (const u of this.shares.keys()) {
      if (!this.u3.has(u) && (this.graph.get(u) ?? []).some((v) => this.u3.has(v))) out.add(u);
    }
    return out;
  }

  /** Each client of `who` must keep ≥ t members of its closed neighbourhood in `alive`. */
  private checkNeighbourhoods(who: ReadonlySet<string>, alive: ReadonlySet<string>, phase: string): void {
    const t = this.params.threshold;
    if (alive.size < t) {
      throw thresholdError(`${alive.size} of ${this.ids.size} clients remain after ${phase}, fewer than t = ${t}`);
    }
    for (const u of who) {
      const nb = closedNeighbourhood(this.graph, u);
      const left = nb.filter((v) => alive.has(v)).length;
      if (left < t) {
        throw thresholdError(
          `client '${u}' has ${left} of its ${nb.length}-client neighbourhood left after ${phase}, fewer than t = ${t}`,
        );
      }
    }
  }

  private expect(phase: Phase): void {
    if (this.phase !== phase) {
      throw new FederaError(
        'E_SECAGG_PHASE',
        `SecAgg server is in phase '${this.phase}', not '${phase}'`,
        'receive each round’s messages, then finish it, in protocol order',
      );
    }
  }

  private sender(from: string, allowed: { has(k: string): boolean }, seen: { has(k: string): boolean }): void {
    if (!allowed.has(from)) throw this.bad(`a message from '${from}', which is not in this round's client set`);
    if (seen.has(from)) throw this.bad(`a second message from '${from}' in this round`);
  }

  private bad(message: string): FederaError {
    return new FederaError('E_SECAGG_MESSAGE', `SecAgg server: ${message}`, 'treat this client as dropped');
  }
}

function readU32(b: Uint8Array): number {
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}
