import { FederaError } from '../errors.js';
import type { Ckks, CkksCiphertextVector, CkksKeyPair } from './ckks.js';
import type { PaillierKeyPair } from './paillier.js';
import { PaillierEncoder } from './paillier-encoder.js';
import { combinePartialDecryptions, type PaillierKeyShare } from './paillier-shares.js';
import { PaillierCiphertextVector } from './paillier-vector.js';

/**
 * One round of homomorphic aggregation split by role: what a client runs on its update,
 * what the server runs on the bytes it receives (ciphertexts and the public key only), and
 * what the key holder runs on the final sum.
 */
export interface HeRound {
  /** Client: the wire bytes of Enc(update) (CKKS pre-weights by `weight`). */
  clientEncrypt(update: Float32Array, weight: number): { bytes: Uint8Array; clipped: number };
  /** Server: folds the bytes into the encrypted sum (Paillier weights by scalar multiplication). */
  serverAdd(bytes: Uint8Array, weight: number): void;
  /** Key holder: decrypts Σ w_k·Δ_k (zeros when nothing was added). */
  keyHolderDecrypt(): Float32Array;
  /** Frees what the round holds (SEAL memory). */
  dispose(): void;
}

export interface PaillierRoundOptions {
  readonly keys: PaillierKeyPair;
  readonly length: number;
  readonly range: number;
  readonly clients: number;
  readonly maxWeight: number;
  readonly slotBits?: number;
  /** Decrypt with these n-of-n key shares (every party's partial decryption) instead of the private key. */
  readonly shares?: readonly PaillierKeyShare[];
}

/** A Paillier round: clients clip to ±range and pack; the server multiplies by n_k and adds. */
export function paillierRound(o: PaillierRoundOptions): HeRound & { readonly encoder: PaillierEncoder } {
  const { publicKey, privateKey } = o.keys;
  const encoder = new PaillierEncoder({
    bits: publicKey.bits,
    range: o.range,
    clients: o.clients,
    maxWeight: o.maxWeight,
    ...(o.slotBits !== undefined ? { slotBits: o.slotBits } : {}),
  });
  const acc = encoder.accumulator(publicKey, o.length);
  return {
    encoder,
    clientEncrypt(update) {
      const ct = encoder.encrypt(publicKey, update, { clip: true });
      return { bytes: ct.toBytes(), clipped: ct.clipped };
    },
    serverAdd(bytes, weight) {
      if (!(Number.isSafeInteger(weight) && weight >= 1 && weight <= o.maxWeight)) {
        throw new FederaError(
          'E_HE_WEIGHT',
          `numExamples ${weight} must be an integer in [1, maxExamples = ${o.maxWeight}]`,
          'raise maxExamples in withHomomorphicAggregation (the slots grow by its log2)',
        );
      }
      const ct = PaillierCiphertextVector.fromBytes(bytes, publicKey);
      if (ct.weight !== 1)
        throw new FederaError('E_HE_BYTES', `a client's ciphertext must carry weight 1, got ${ct.weight}`);
      encoder.addInto(publicKey, acc, ct, weight);
    },
    keyHolderDecrypt() {
      const shares = o.shares;
      if (!shares) return encoder.decryptSum(privateKey, acc);
      const plaintexts = acc.ciphertexts.map((c) =>
        combinePartialDecryptions(
          publicKey,
          shares.map((s) => s.partialDecrypt(c)),
        ),
      );
      return encoder.decodeSum(acc, plaintexts);
    },
    dispose() {},
  };
}

/** A CKKS round: clients encrypt n_k·Δ_k; the server adds ciphertexts. */
export function ckksRound(ckks: Ckks, keys: CkksKeyPair, length: number): HeRound {
  let acc: CkksCiphertextVector | undefined;
  return {
    clientEncrypt(update, weight) {
      const ct = ckks.encrypt(keys.publicKey, update, weight);
      try {
        return { bytes: ct.toBytes(), clipped: 0 };
      } finally {
        ct.delete();
      }
    },
    serverAdd(bytes, weight) {
      const ct = ckks.fromBytes(bytes, keys.publicKey);
      if (ct.length !== length || ct.weight !== weight) {
        ct.delete();
        throw new FederaError(
          'E_HE_LAYOUT',
          `ciphertext holds ${ct.length} values weighted ${ct.weight}; expected ${length} values weighted ${weight}`,
        );
      }
      if (!acc) acc = ct;
      else {
        ckks.addInto(keys.publicKey, acc, ct);
        ct.delete();
      }
    },
    keyHolderDecrypt() {
      return acc ? ckks.decryptSum(keys.secretKey, acc) : new Float32Array(length);
    },
    dispose() {
      acc?.delete();
      acc = undefined;
    },
  };
}
