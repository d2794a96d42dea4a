import { type FrameOf, helloSigningBytes, importPublicKey, safeNumber, verify } from '@federa/client';
import { FederaError } from '@federa/core';
import { checkEnrolment, type EnrolmentOptions } from './auth.js';
import type { Store } from './store/store.js';

/** Who a Hello proved to be. */
export interface Authenticated {
  readonly key: CryptoKey;
  readonly numExamples: number;
  /** True when this Hello enrolled the client (its first connection). */
  readonly enrolled: boolean;
}

/**
 * Checks a Hello against the connection's challenge `nonce`: a valid name, an Ed25519 key,
 * a signature of (nonce, name, key) by that key, and then either the key the name is
 * enrolled with, or a valid enrolment token (the name is then enrolled and stored). Throws
 * E_AUTH or E_SIGNATURE naming what was wrong. `tokenOwners` maps a used token's hash to the
 * name it enrolled (a token enrols one name) and is updated here.
 */
export async function authenticate(
  h: FrameOf<'hello'>,
  nonce: Uint8Array,
  store: Store,
  auth: EnrolmentOptions,
  tokenOwners: Map<string, string>,
): Promise<Authenticated> {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(h.name)) {
    throw new FederaError(
      'E_AUTH',
      `client name '${h.name.slice(0, 40)}' is not 1–128 letters, digits, '.', '_' or '-'`,
    );
  }
  const key = await importPublicKey(h.publicKey);
  if (!(await verify(key, h.signature, helloSigningBytes(nonce, h.name, h.publicKey)))) {
    throw new FederaError('E_SIGNATURE', 'the Hello signature does not verify for this challenge and key');
  }
  const known = await store.getClient(h.name);
  const now = new Date().toISOString();
  const numExamples = safeNumber(h.numExamples, 'num_examples');
  if (known) {
    if (!Buffer.from(known.publicKey).equals(Buffer.from(h.publicKey))) {
      throw new FederaError(
        'E_AUTH',
        `client '${h.name}' is enrolled with another key`,
        'use the identity file it enrolled with, or another name',
      );
    }
    await store.putClient({ ...known, numExamples, lastSeen: now });
    return { key, numExamples, enrolled: false };
  }
  const d = checkEnrolment(auth, h.token, h.name, (hash) => tokenOwners.get(hash));
  if (!d.ok) throw new FederaError('E_AUTH', d.reason, 'pass a valid enrolment token (--token)');
  await store.putClient({
    id: h.name,
    publicKey: h.publicKey,
    tokenHash: d.tokenHash,
    lastSeq: 0,
    numExamples,
    enrolledAt: now,
    lastSeen: now,
  });
  if (d.tokenHash !== 'secret') tokenOwners.set(d.tokenHash, h.name);
  return { key, numExamples, enrolled: true };
}
