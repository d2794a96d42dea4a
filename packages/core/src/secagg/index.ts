export { SecAggClient, type SecAggClientOptions } from './client.js';
export {
  type RandomBytes,
  type SecAggCrypto,
  type SecAggKey,
  type SecAggKeyUse,
  type SecAggMask,
  secureRandomBytes,
  seededRandomBytes,
  webCryptoSecAgg,
  type X25519Pair,
} from './crypto.js';
export { addDiscreteGaussian, sampleDiscreteGaussian } from './discrete-gaussian.js';
export {
  completeGraph,
  hararyGraph,
  type NeighbourGraph,
  neighbourhoodSize,
  secAggPlusDegree,
} from './graph.js';
export { LocalSecAggChannel } from './local-channel.js';
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
  runSecAggSession,
  SECAGG_ANSWERS,
  type SecAggChannel,
  type SecAggRequest,
  type SecAggResponse,
  type SecAggSessionOptions,
  type SecAggSessionResult,
} from './network.js';
export {
  resolveThreshold,
  ringLength,
  ringScale,
  SECAGG_PHASES,
  type SecAggParams,
  type SecAggPhase,
} from './params.js';
export { SECURE_AGGREGATION_KEY, SecAggParticipant } from './participant.js';
export {
  dequantize as secAggDequantize,
  quantize as secAggQuantize,
  RING_ADD_WASM_BASE64 as SECAGG_RING_ADD_WASM,
} from './quantize.js';
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
