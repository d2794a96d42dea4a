export {
  type AdaptiveClipping,
  DifferentialPrivacy,
  type DifferentialPrivacyOptions,
  type DifferentialPrivacyState,
  withDifferentialPrivacy,
} from './dp-fedavg.js';
export { type PrivacyLedgerOptions, withPrivacyLedger } from './ledger.js';
export { type LocalDpOptions, withLocalDp } from './local-dp.js';
export {
  addGaussianNoise,
  addLaplaceNoise,
  classicGaussianSigma,
  clipFactor,
  clipToNorm,
  gaussianDelta,
  gaussianSigma,
  laplaceSample,
  laplaceScale,
  localDpNoise,
} from './mechanisms.js';
export { type RandomSource, secureSource, seededSource } from './random-source.js';
export {
  computeRdp,
  DEFAULT_ORDERS,
  noiseMultiplierFor,
  RdpAccountant,
  type RdpAccountantState,
  rdpToEpsilon,
} from './rdp.js';
export { erfc, logErfc, normalCdf } from './special.js';
