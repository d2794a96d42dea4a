export { SecAggClient, type SecAggClientOptions } from './client.js';
export { type RandomBytes, secureRandomBytes, seededRandomBytes } from './crypto.js';
export { addDiscreteGaussian, sampleDiscreteGaussian } from './discrete-gaussian.js';
export {
  completeGraph,
  hararyGraph,
  type NeighbourGraph,
  neighbourhoodSize,
  secAggPlusDegree,
} from './graph.js';
export type {
  AdvertiseKeysMessage,
  ForwardedSharesMessage,
  KeyListMessage,
  MaskedInputMessage,
  PublicKeys,
  SecAggMessage,
  ShareKeysMessage,
  ShareOf,
  UnmaskRequestMessage,
  UnmaskResponseMessage,
} from './messages.js';
export { secAggMessageBytes } from './messages.js';
export {
  resolveThreshold,
  ringLength,
  ringScale,
  SECAGG_PHASES,
  type SecAggParams,
  type SecAggPhase,
} from './params.js';
export { dequantize as secAggDequantize, quantize as secAggQuantize } from './quantize.js';
export { runSecAggRound, type SecAggDropout, type SecAggRoundOptions, type SecAggRoundResult } from './round.js';
export {
  type SecAggDpOptions,
  type SecAggResult,
  SecAggServer,
  type SecAggServerOptions,
} from './server.js';
export {
  type SecAggDropoutModel,
  SecureAggregation,
  type SecureAggregationOptions,
  withSecureAggregation,
} from './with-secure-aggregation.js';
