import { FederaError } from '../errors.js';
import { fromHex } from './encoding.js';
import {
  type AuditEntry,
  type AuditHead,
  type AuditRound,
  EMPTY_HEAD,
  entryHash,
  entryShapeProblem,
  finiteMetrics,
} from './entry.js';
import { importAuditPublicKey, signBytes, subtleOf, verifyBytes } from './keys.js';

/** Why a row failed verification. */
export type AuditProblem =
  /** Not a well-formed entry (missing or mistyped field, unparsable line). */
  | 'malformed'
  /** The row's content does not hash to its `hash`: it was edited after signing. */
  | 'bad-hash'
  /** The signature does not verify under the given public key (forged or re-signed by another key). */
  | 'bad-signature'
  /** The row's `prevHash` is not the previous row's hash (rows spliced from elsewhere). */
  | 'bad-link'
  /** The row is out of place: its seq belongs elsewhere and the expected row comes later. */
  | 'reordered'
  /** The expected row is missing: the row here has a later seq and the expected one is nowhere. */
  | 'deleted'
  /** The chain ends before the head the caller expected (rows removed from the end). */
  | 'truncated';

/** Result of verifying a chain: which row is the first wrong one and why. */
export type AuditVerifyResult =
  | { readonly ok: true; readonly count: number; readonly head: AuditHead }
  | {
      readonly ok: false;
      /** 0-based position in the array given to `verify` of the first bad row. */
      readonly index: number;
      readonly reason: AuditProblem;
      /** A sentence naming the row and what is wrong. */
      readonly message: string;
    };

export interface AuditVerifyOptions {
  /** Where the given rows continue from (default: the start of the chain, EMPTY_HEAD). */
  readonly start?: AuditHead;
  /** The head the chain must reach (e.g. the last hash the server published); detects truncation. */
  readonly head?: AuditHead;
  readonly subtle?: SubtleCrypto;
}

export interface AuditChainOptions {
  /** The server's Ed25519 private key (see `generateAuditKeys` / `importAuditPrivateKey`). */
  readonly privateKey: CryptoKey;
  /** Continue an existing chain from its last row (default: a new, empty chain). */
  readonly head?: AuditHead;
  readonly subtle?: SubtleCrypto;
}

/**
 * An append-only, hash-chained, signed log of rounds. Storage-agnostic: `append` returns the
 * row and the caller stores it (SQLite, JSONL, ...); to resume after a restart, pass the
 * last stored row's `{ seq, hash }` as `head`. Appends are serialised, so concurrent calls
 * still produce one chain in call order.
 *
 * @example
 * const keys = await generateAuditKeys();
 * const chain = new AuditChain({ privateKey: keys.privateKey });
 * const row = await chain.append({ round: 1, strategy: 'FedAvg', weightsIn, weightsOut, clients, metrics, time });
 * const check = await AuditChain.verify([row], keys.publicKey); // { ok: true, count: 1, ... }
 */
export class AuditChain {
  private readonly key: CryptoKey;
  private readonly subtle: SubtleCrypto;
  private last: AuditHead;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: AuditChainOptions) {
    if (options.privateKey?.type !== 'private') {
      throw new FederaError(
        'E_AUDIT_KEY',
        'AuditChain needs options.privateKey, an Ed25519 private CryptoKey',
        'create one with generateAuditKeys() or importAuditPrivateKey(pkcs8)',
      );
    }
    const head = options.head ?? EMPTY_HEAD;
    if (!Number.isInteger(head.seq) || head.seq < -1 || fromHex(head.hash)?.length !== 32) {
      throw new FederaError(
        'E_ARG',
        `AuditChain head must be { seq: integer >= -1, hash: 64 hex chars }, got ${JSON.stringify(head)}`,
        'pass the seq and hash of the last stored row, or leave head out for a new chain',
      );
    }
    this.key = options.privateKey;
    this.subtle = subtleOf(options.subtle);
    this.last = { seq: head.seq, hash: head.hash };
  }

  /** The last appended row's seq and hash ({ seq: -1, hash: GENESIS_HASH } when empty). */
  get head(): AuditHead {
    return this.last;
  }

  /** Appends a round: links it to the head, hashes and signs it, and returns the new row. */
  append(round: AuditRound): Promise<AuditEntry> {
    const next = this.queue.then(() => this.appendNow(round));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async appendNow(r: AuditRound): Promise<AuditEntry> {
    const body = {
      seq: this.last.seq + 1,
      prevHash: this.last.hash,
      round: r.round,
      strategy: r.strategy,
      weightsIn: r.weightsIn,
      weightsOut: r.weightsOut,
      clients: r.clients.map((c) => ({
        clientId: c.clientId,
        updateHash: c.updateHash,
        ...(c.numExamples === undefined ? {} : { numExamples: c.numExamples }),
      })),
      metrics: finiteMetrics(r.metrics),
      time: r.time,
      ...(r.runId === undefined ? {} : { runId: r.runId }),
    };
    const shape = entryShapeProblem({ ...body, hash: body.prevHash, signature: '' });
    if (shape)
      throw new FederaError('E_AUDIT_ENTRY', `audit round ${r.round}: ${shape}`, 'hash weights with hashWeights()');
    const hash = await entryHash(body, this.subtle);
    const signature = await signBytes(this.key, fromHex(hash)!, this.subtle);
    this.last = { seq: body.seq, hash };
    return { ...body, hash, signature };
  }

  /** See `verifyAuditChain`. */
  static verify(
    entries: readonly unknown[],
    publicKey: CryptoKey | Uint8Array | string,
    options?: AuditVerifyOptions,
  ): Promise<AuditVerifyResult> {
    return verifyAuditChain(entries, publicKey, options);
  }
}

/**
 * Checks rows in order and returns the FIRST wrong one with its reason: malformed, edited
 * (bad-hash), forged or re-signed (bad-signature), spliced (bad-link), reordered, deleted,
 * or truncated (when `options.head` says where the chain must end). Rows are untrusted:
 * any JSON value may be passed. `publicKey` is a CryptoKey, raw bytes or base64.
 *
 * Without `options.head`, rows removed from the END of a chain cannot be detected: compare
 * the head with one published or stored elsewhere.
 */
export async function verifyAuditChain(
  entries: readonly unknown[],
  publicKey: CryptoKey | Uint8Array | string,
  options: AuditVerifyOptions = {},
): Promise<AuditVerifyResult> {
  const subtle = subtleOf(options.subtle);
  const key =
    typeof publicKey === 'string' || publicKey instanceof Uint8Array
      ? await importAuditPublicKey(publicKey, subtle)
      : publicKey;
  let prev = options.start ?? EMPTY_HEAD;
  const fail = (index: number, reason: AuditProblem, message: string): AuditVerifyResult => ({
    ok: false,
    index,
    reason,
    message: `row ${index}: ${message}`,
  });
  for (let i = 0; i < entries.length; i++) {
    const shape = entryShapeProblem(entries[i]);
    if (shape) return fail(i, 'malformed', shape);
    const e = entries[i] as AuditEntry;
    const expected = prev.seq + 1;
    if ((await entryHash(e, subtle)) !== e.hash) {
      return fail(
        i,
        'bad-hash',
        `content of seq ${e.seq} (round ${e.round}) does not match its hash: edited after signing`,
      );
    }
    if (!(await verifyBytes(key, e.signature, fromHex(e.hash)!, subtle))) {
      return fail(
        i,
        'bad-signature',
        `signature of seq ${e.seq} (round ${e.round}) does not verify under this public key`,
      );
    }
    if (e.seq !== expected) {
      const later = entries.slice(i + 1).some((x) => (x as Partial<AuditEntry> | null)?.seq === expected);
      if (later || e.seq < expected) {
        return fail(i, 'reordered', `expected seq ${expected} here but found seq ${e.seq}`);
      }
      const gone = e.seq - expected;
      const which = gone === 1 ? `seq ${expected} is` : `seqs ${expected}..${e.seq - 1} are`;
      return fail(i, 'deleted', `${which} missing before seq ${e.seq} (round ${e.round})`);
    }
    if (e.prevHash !== prev.hash) {
      return fail(i, 'bad-link', `seq ${e.seq} does not link to the previous row's hash`);
    }
    prev = { seq: e.seq, hash: e.hash };
  }
  const head = options.head;
  if (head && (prev.seq !== head.seq || prev.hash !== head.hash)) {
    if (prev.seq < head.seq) {
      return fail(
        entries.length,
        'truncated',
        `the chain ends at seq ${prev.seq} but the expected head is seq ${head.seq}: rows removed from the end`,
      );
    }
    return fail(
      Math.max(0, entries.length - 1),
      'bad-link',
      `the chain ends at seq ${prev.seq} ${prev.hash.slice(0, 12)}…, not at the expected head seq ${head.seq} ${head.hash.slice(0, 12)}…`,
    );
  }
  return { ok: true, count: entries.length, head: prev };
}
