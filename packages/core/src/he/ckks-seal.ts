import type { SEALLibrary } from 'node-seal/implementation/seal.js';
import { FederaError } from '../errors.js';

/** The node-seal library object (Microsoft SEAL in WASM). */
export type CkksSeal = SEALLibrary;

type Context = ReturnType<SEALLibrary['Context']>;

/** The per-context SEAL objects a `Ckks` instance holds. */
export interface CkksHandles {
  readonly context: Context;
  readonly encoder: ReturnType<SEALLibrary['CKKSEncoder']>;
  readonly evaluator: ReturnType<SEALLibrary['Evaluator']>;
  delete(): void;
}

export type SealCiphertext = ReturnType<SEALLibrary['CipherText']>;
export type SealEncryptor = ReturnType<SEALLibrary['Encryptor']>;
export type SealDecryptor = ReturnType<SEALLibrary['Decryptor']>;
export type SealPublicKey = ReturnType<SEALLibrary['PublicKey']>;

export interface LoadedSeal {
  readonly lib: SEALLibrary;
  contextFor(opts: { polyModulusDegree: number; coeffModBits: readonly number[] }): CkksHandles;
}

type Factory = () => Promise<SEALLibrary>;

let loading: Promise<LoadedSeal> | undefined;

/**
 * Loads node-seal's WASM build on first use (a dynamic import, so code that never uses CKKS
 * never pays for it) and caches it for the process.
 */
export function loadSeal(): Promise<LoadedSeal> {
  loading ??= (async () => {
    let lib: SEALLibrary;
    try {
      // CommonJS (Node: the UMD main) and ESM builds expose the factory differently.
      const mod = (await import('node-seal')) as unknown as { default: Factory | { default: Factory } };
      const factory = typeof mod.default === 'function' ? mod.default : mod.default.default;
      lib = await factory();
    } catch (e) {
      loading = undefined;
      throw new FederaError(
        'E_RUNTIME',
        `node-seal could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
        'install node-seal 6.0.3 (7.x needs Node 22)',
      );
    }
    return { lib, contextFor: (opts) => contextFor(lib, opts) };
  })();
  return loading;
}

function contextFor(
  lib: SEALLibrary,
  opts: { polyModulusDegree: number; coeffModBits: readonly number[] },
): CkksHandles {
  const parms = lib.EncryptionParameters(lib.SchemeType.ckks);
  let context: Context | undefined;
  try {
    parms.setPolyModulusDegree(opts.polyModulusDegree);
    const moduli = lib.CoeffModulus.Create(opts.polyModulusDegree, Int32Array.from(opts.coeffModBits));
    parms.setCoeffModulus(moduli);
    moduli.delete();
    context = lib.Context(parms, true, lib.SecurityLevel.tc128);
    if (!context.parametersSet()) {
      context.delete();
      context = undefined;
      throw new FederaError(
        'E_ARG',
        `SEAL refuses CKKS N = ${opts.polyModulusDegree}, coeffModBits [${opts.coeffModBits.join(', ')}] (not valid or below 128-bit security)`,
        'use N = 8192 with coeffModBits [60, 60] (at most 218 bits in all for 128-bit security)',
      );
    }
  } catch (e) {
    if (e instanceof FederaError) throw e;
    throw new FederaError(
      'E_ARG',
      `SEAL refuses CKKS N = ${opts.polyModulusDegree}, coeffModBits [${opts.coeffModBits.join(', ')}]: ${e instanceof Error ? e.message : String(e)}`,
      'N must be a power of two ≥ 1024; primes of at most 60 bits',
    );
  } finally {
    parms.delete();
  }
  const ctx = context as Context;
  const encoder = lib.CKKSEncoder(ctx);
  const evaluator = lib.Evaluator(ctx);
  return {
    context: ctx,
    encoder,
    evaluator,
    delete: () => {
      evaluator.delete();
      encoder.delete();
      ctx.delete();
    },
  };
}
