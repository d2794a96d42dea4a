export { type RandomFill, secureFill, seededFill } from './bigint-math.js';
export {
  Ckks,
  CkksCiphertextVector,
  type CkksKeyPair,
  type CkksOptions,
  type CkksPublicKey,
  type CkksSecretKey,
} from './ckks.js';
export {
  generatePaillierKeys,
  type PaillierKeyOptions,
  type PaillierKeyPair,
  PaillierPrivateKey,
  type PaillierPrivateKeyJson,
  PaillierPublicKey,
  type PaillierPublicKeyJson,
} from './paillier.js';
export { PaillierEncoder, type PaillierEncoderOptions, type PaillierEncryptOptions } from './paillier-encoder.js';
export { combinePartialDecryptions, PaillierKeyShare, splitPaillierKey } from './paillier-shares.js';
export {
  combineDecryptionShares,
  combineDecryptionShareVectors,
  combineVerifiedDecryptionShares,
  type DecryptionShare,
  type DecryptionShareVector,
  decryptShare,
  decryptShareVector,
  decryptShareWithProof,
  generateThresholdPaillier,
  type ProvenDecryptionShare,
  randomSafePrime,
  type ShareProof,
  ThresholdKeyShare,
  type ThresholdKeyShareJson,
  type ThresholdPaillierKeys,
  type ThresholdPaillierOptions,
  type ThresholdPaillierParams,
  type VerificationKeys,
  verifyDecryptionShare,
} from './paillier-threshold.js';
export { PaillierCiphertextVector, type PaillierLayout } from './paillier-vector.js';
export { ckksRound, type HeRound, type PaillierRoundOptions, paillierRound } from './sessions.js';
export {
  type CkksAggregationOptions,
  HomomorphicAggregation,
  type HomomorphicOptions,
  type PaillierAggregationOptions,
  withHomomorphicAggregation,
} from './with-homomorphic.js';
