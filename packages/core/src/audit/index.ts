export { canonicalJson } from './canonical-json.js';
export {
  AuditChain,
  type AuditChainOptions,
  type AuditProblem,
  type AuditVerifyOptions,
  type AuditVerifyResult,
  verifyAuditChain,
} from './chain.js';
export { fromBase64, fromHex, toBase64, toHex } from './encoding.js';
export {
  type AuditClient,
  type AuditEntry,
  type AuditHead,
  type AuditRound,
  EMPTY_HEAD,
  entryHash,
  GENESIS_HASH,
} from './entry.js';
export { type AuditRecordOptions, auditRoundFromRecord } from './from-record.js';
export { hashWeights, sha256Hex } from './hash.js';
export { type AuditExportHeader, auditToJsonl, type ParsedAuditExport, parseAuditJsonl } from './jsonl.js';
export {
  exportAuditPrivateKey,
  exportAuditPublicKey,
  generateAuditKeys,
  importAuditPrivateKey,
  importAuditPublicKey,
} from './keys.js';
export { AUDIT_SQLITE, auditRow } from './store.js';
