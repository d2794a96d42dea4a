import { createHash, timingSafeEqual } from 'node:crypto';
import { FederaError } from '@federa/core';

/** Who may enrol: a list of one-client tokens and/or a shared enrolment secret. */
export interface EnrolmentOptions {
  /** Each token enrols one client name (the first that uses it); later uses by other names are refused. */
  readonly tokens?: readonly string[];
  /** Any client presenting this secret may enrol (under a free name). */
  readonly secret?: string;
}

/** What an enrolment check decided: the hash to record, or why it was refused. */
export type EnrolmentDecision =
  | { readonly ok: true; readonly tokenHash: string }
  | { readonly ok: false; readonly reason: string };

/** SHA-256 hex of a token (what the store keeps instead of the token). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function sameString(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * Checks an enrolment token in constant time. `usedBy(hash)` says which client already
 * enrolled with a listed token (a token enrols one name only).
 */
export function checkEnrolment(
  opts: EnrolmentOptions,
  token: string,
  name: string,
  usedBy: (hash: string) => string | undefined,
): EnrolmentDecision {
  if (!token) return { ok: false, reason: `client '${name}' is not enrolled and sent no enrolment token` };
  if (opts.secret && sameString(opts.secret, token)) return { ok: true, tokenHash: 'secret' };
  const listed = (opts.tokens ?? []).some((t) => sameString(t, token));
  if (!listed) return { ok: false, reason: 'the enrolment token is not valid' };
  const h = tokenHash(token);
  const owner = usedBy(h);
  if (owner !== undefined && owner !== name) {
    return { ok: false, reason: `the enrolment token was already used by client '${owner}'` };
  }
  return { ok: true, tokenHash: h };
}

/** Validates enrolment options: at least one way to enrol, no empty tokens. */
export function validateEnrolment(opts: EnrolmentOptions): void {
  const tokens = opts.tokens ?? [];
  if (tokens.length === 0 && !opts.secret) {
    throw new FederaError(
      'E_CONFIG',
      'the server has no enrolment tokens and no secret: no client could join',
      'pass --tokens a,b,c or --secret <s>',
    );
  }
  if (tokens.some((t) => t.length < 8))
    throw new FederaError('E_CONFIG', 'enrolment tokens must be at least 8 characters');
  if (opts.secret !== undefined && opts.secret.length < 8)
    throw new FederaError('E_CONFIG', 'the enrolment secret must be at least 8 characters');
}

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`; `take()` is false when empty.
 *
 * @example
 * const b = new TokenBucket(100, 200); if (!b.take()) refuse('E_RATE_LIMITED');
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0 && burst >= 1))
      throw new FederaError('E_ARG', `rate limit needs perSecond > 0 and burst ≥ 1, got ${perSecond}, ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  take(n = 1): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
