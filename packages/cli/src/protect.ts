import { nodeSecAggCrypto } from '@federa/client';
import {
  type SecAggChannel,
  type Strategy,
  withDifferentialPrivacy,
  withHomomorphicAggregation,
  withPrivacyLedger,
  withSecureAggregation,
} from '@federa/core';
import { withDpSgd } from '@federa/tfjs';
import type { RunConfig } from './config/index.js';

/**
 * Wraps a run's strategy in the protections its config asks for, innermost first:
 * - the server's view of the updates: secure aggregation (SecAgg / SecAgg+: with
 *   `privacy.clipNorm` the clients clip and add distributed discrete Gaussian noise before
 *   masking, and the run accounts ε as DP-FedAvg would), homomorphic encryption (Paillier,
 *   CKKS), or else central client-level DP-FedAvg when `privacy.clipNorm` is set;
 * - sample-level DP-SGD on every client (`privacy.sampleClipNorm`).
 * With `privacy.seeded` the randomness of the protocols comes from the run's seed
 * (reproducible simulation, not private). With a `secAggChannel` (the network server's),
 * SecAgg runs with the clients themselves: their updates leave them only masked.
 */
export function protect(c: RunConfig, inner: Strategy, secAggChannel?: SecAggChannel): Strategy {
  const p = c.privacy;
  const sec = c.secure;
  const seed = p.seeded ? String(c.seed) : undefined;
  let s = inner;
  if (sec.aggregation === 'secagg' || sec.aggregation === 'secaggPlus') {
    const dp = p.clipNorm !== null ? { clipNorm: p.clipNorm, noiseMultiplier: p.noiseMultiplier } : undefined;
    s = withSecureAggregation(s, {
      clip: sec.clip,
      bits: sec.bits,
      mode: sec.aggregation === 'secagg' ? 'secagg' : 'secagg+',
      ...(sec.threshold !== null ? { threshold: sec.threshold } : {}),
      ...(sec.dropout > 0 ? { dropout: { fraction: sec.dropout } } : {}),
      ...(dp ? { dp, weighting: 'uniform' as const } : {}),
      ...(seed !== undefined ? { seed: `${seed}:secagg` } : {}),
      ...(secAggChannel ? { channel: secAggChannel } : {}),
      crypto: nodeSecAggCrypto,
    });
    if (dp) s = withPrivacyLedger(s, { noiseMultiplier: p.noiseMultiplier, delta: p.delta });
  } else if (sec.aggregation === 'paillier') {
    s = withHomomorphicAggregation(s, {
      scheme: 'paillier',
      range: sec.clip,
      bits: sec.keyBits,
      ...(seed !== undefined ? { seed: `${seed}:he` } : {}),
    });
  } else if (sec.aggregation === 'ckks') {
    s = withHomomorphicAggregation(s, { scheme: 'ckks' });
  } else if (p.clipNorm !== null) {
    s = withDifferentialPrivacy(s, {
      clipNorm: p.clipNorm,
      noiseMultiplier: p.noiseMultiplier,
      delta: p.delta,
      ...(p.targetQuantile !== null ? { adaptive: { targetQuantile: p.targetQuantile, lr: p.clipLr } } : {}),
      ...(p.budget !== null ? { budget: p.budget } : {}),
      ...(seed !== undefined ? { seed: `${seed}:dp` } : {}),
    });
  }
  if (p.sampleClipNorm !== null) {
    s = withDpSgd(s, {
      clipNorm: p.sampleClipNorm,
      noiseMultiplier: p.sampleNoiseMultiplier,
      delta: p.delta,
      ...(seed !== undefined ? { seed: `${seed}:dpsgd` } : {}),
    });
  }
  return s;
}
