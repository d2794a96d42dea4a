// The isomorphic part of @federa/client: no node:* imports, no `ws`. Bundle this for a browser tab.
export * from './gen/federa_pb.js';
export { checkMetrics, configFromWire, configToWire } from './protocol/config.js';
export {
  asBytes,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameCase,
  type FrameInit,
  type FrameOf,
  PROTOCOL_VERSION,
} from './protocol/frames.js';
export {
  bytesToWords,
  secAggRequestFromWire,
  secAggRequestToWire,
  secAggResponseFromWire,
  secAggResponseToWire,
  wordsToBytes,
} from './protocol/secagg.js';
export {
  equalBytes,
  exportIdentity,
  generateIdentity,
  helloSigningBytes,
  hex,
  type Identity,
  importIdentity,
  importPublicKey,
  sha256,
  sign,
  verify,
} from './protocol/signing.js';
export { Assembler, type ChunkInit, chunkFrames, safeNumber } from './protocol/transfer.js';
export {
  type ClientEvent,
  decodeReplyBody,
  FederaClient,
  type FederaClientOptions,
  type WelcomeInfo,
} from './runtime.js';
export { CLOSE, globalSocketFactory, OPEN, type SocketFactory, type WireSocket } from './socket.js';
