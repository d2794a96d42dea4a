import type { Metrics } from '../messages.js';
import { canonicalJson } from './canonical-json.js';
import { fromHex } from './encoding.js';
import { sha256Hex } from './hash.js';

/** One client's part in an audited round. */
export interface AuditClient {
  readonly clientId: string;
  /** SHA-256 hex of the update the server received (`hashWeights`, or of its wire bytes). */
  readonly updateHash: string;
  readonly numExamples?: number;
}

/** What the server records about one round: its inputs and outputs. */
export interface AuditRound {
  readonly round: number;
  /** The strategy's name (e.g. 'FedAvg'). */
  readonly strategy: string;
  /** SHA-256 hex of the global weights sent out (`hashWeights`). */
  readonly weightsIn: string;
  /** SHA-256 hex of the new global weights. */
  readonly weightsOut: string;
  /** The clients whose updates were received, in the order the server folded them in. */
  readonly clients: readonly AuditClient[];
  /** Round metrics; non-finite values are left out when appended (JSON cannot hold them). */
  readonly metrics: Metrics;
  /** ISO time the round closed. */
  readonly time: string;
  /** The run this round belongs to, when the server names runs. */
  readonly runId?: string;
}

/**
 * A row of the audit chain: the round, its position `seq` (0, 1, 2, ...), the hash of the
 * row before (`prevHash`, 64 zeros for the first), its own hash
 * `hash = SHA-256(bytes(prevHash) ‖ UTF-8(canonicalJson(body)))` where body is every field
 * but `hash` and `signature`, and the server's Ed25519 signature of the 32 hash bytes.
 */
export interface AuditEntry extends AuditRound {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  /** Base64 Ed25519 signature of the hash bytes. */
  readonly signature: string;
}

/** Where a chain (or a verified segment of one) ends: the last row's seq and hash. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** The `prevHash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** The head of an empty chain: the next row gets seq 0 and links to GENESIS_HASH. */
export const EMPTY_HEAD: AuditHead = { seq: -1, hash: GENESIS_HASH };

const utf8 = new TextEncoder();
const HEX64 = /^[0-9a-f]{64}$/;

/** The fields that are hashed: everything but `hash` and `signature`. */
export function entryBody(e: Omit<AuditEntry, 'hash' | 'signature'>): Record<string, unknown> {
  return {
    seq: e.seq,
    prevHash: e.prevHash,
    round: e.round,
    strategy: e.strategy,
    weightsIn: e.weightsIn,
    weightsOut: e.weightsOut,
    clients: e.clients.map((c) => ({ clientId: c.clientId, updateHash: c.updateHash, numExamples: c.numExamples })),
    metrics: e.metrics,
    time: e.time,
    runId: e.runId,
  };
}

/** The hash a row must carry, computed from its body and `prevHash`. */
export async function entryHash(e: Omit<AuditEntry, 'hash' | 'signature'>, subtle?: SubtleCrypto): Promise<string> {
  const prev = fromHex(e.prevHash) ?? new Uint8Array(0);
  const body = utf8.encode(canonicalJson(entryBody(e)));
  const all = new Uint8Array(prev.length + body.length);
  all.set(prev, 0);
  all.set(body, prev.length);
  return sha256Hex(all, subtle);
}

/** Metrics with non-finite values left out (NaN loss when a round was not evaluated, ...). */
export function finiteMetrics(m: Metrics): Metrics {
  const out: Record<string, number> = {};
  for (const k of Object.keys(m).sort()) if (Number.isFinite(m[k])) out[k] = m[k];
  return out;
}

/** Why a value is not a well-formed AuditEntry, or undefined when it is. */
export function entryShapeProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const e = v as Record<string, unknown>;
  if (!Number.isInteger(e.seq) || (e.seq as number) < 0) return 'seq is not a non-negative integer';
  if (!Number.isInteger(e.round)) return 'round is not an integer';
  for (const k of ['prevHash', 'hash', 'weightsIn', 'weightsOut'] as const) {
    if (typeof e[k] !== 'string' || !HEX64.test(e[k] as string)) return `${k} is not 64 lower-case hex characters`;
  }
  if (typeof e.strategy !== 'string') return 'strategy is not a string';
  if (typeof e.time !== 'string') return 'time is not a string';
  if (typeof e.signature !== 'string') return 'signature is not a string';
  if (e.runId !== undefined && typeof e.runId !== 'string') return 'runId is not a string';
  if (typeof e.metrics !== 'object' || e.metrics === null || Array.isArray(e.metrics))
    return 'metrics is not an object';
  for (const [k, x] of Object.entries(e.metrics)) if (typeof x !== 'number') return `metric '${k}' is not a number`;
  if (!Array.isArray(e.clients)) return 'clients is not an array';
  for (const [i, c] of e.clients.entries()) {
    if (typeof c !== 'object' || c === null) return `clients[${i}] is not an object`;
    if (typeof c.clientId !== 'string') return `clients[${i}].clientId is not a string`;
    if (typeof c.updateHash !== 'string') return `clients[${i}].updateHash is not a string`;
    if (c.numExamples !== undefined && typeof c.numExamples !== 'number')
      return `clients[${i}].numExamples is not a number`;
  }
  return undefined;
}
