// Update compression (compress/) is exported with the codec that carries it; core's index
// may also `export * from './compress/index.js'` (the same bindings, no conflict).
export * from '../compress/index.js';
export { crc32 } from './crc32.js';
export { decodePacked, decodeWeights, firstNonFinite, peekHeader } from './decode.js';
export { encodePacked, encodeWeights } from './encode.js';
export { float16Bits, float16Decode, float16Encode, float16Value } from './float16.js';
export {
  type Decoded,
  type DecodeLimits,
  type EncodeMeta,
  MAX_NAME_BYTES,
  MAX_RANK,
  WIRE_HEADER_BYTES,
  WIRE_VERSION,
  type WireDtype,
  type WireHeader,
  type WireKind,
} from './format.js';
export {
  type PackedTensor,
  type PackedWeights,
  QSGD_BITS,
  type QsgdBits,
  qsgdLevels,
  segmentBytes,
  unpackInto,
} from './packed.js';
export { decodeWeightsSequence, encodeWeightsSequence } from './sequence.js';
