import { FederaError } from '../errors.js';

/**
 * How much an update computed τ server versions ago still counts, s(τ) ∈ (0, 1], as in
 * Xie, Koyejo & Gupta 2019 ("Asynchronous Federated Optimization", §5.2):
 * - `constant`: s(τ) = 1;
 * - `polynomial`: s(τ) = (τ + 1)^(−a), a ≥ 0 (FedBuff's 1/√(1+τ) is a = 0.5);
 * - `hinge`: s(τ) = 1 if τ ≤ b, else 1 / (a(τ − b) + 1), a ≥ 0, b ≥ 0.
 */
export type Staleness =
  | { readonly kind: 'constant' }
  | { readonly kind: 'polynomial'; readonly a: number }
  | { readonly kind: 'hinge'; readonly a: number; readonly b: number };

/**
 * s(τ) for the staleness function `s`. τ must be a non-negative integer.
 *
 * @example
 * stalenessWeight({ kind: 'polynomial', a: 0.5 }, 3); // 1/√4 = 0.5
 */
export function stalenessWeight(s: Staleness, tau: number): number {
  if (!(Number.isInteger(tau) && tau >= 0)) {
    throw new FederaError('E_ARG', `staleness τ must be a non-negative integer, got ${tau}`);
  }
  switch (s.kind) {
    case 'constant':
      return 1;
    case 'polynomial':
      return (tau + 1) ** -s.a;
    case 'hinge':
      return tau <= s.b ? 1 : 1 / (s.a * (tau - s.b) + 1);
  }
}

/** Throws E_ARG naming what is wrong with a staleness function's description. */
export function validateStaleness(s: Staleness, who: string): void {
  const bad = (msg: string): never => {
    throw new FederaError(
      'E_ARG',
      `${who}: staleness ${msg}`,
      "use { kind: 'constant' }, { kind: 'polynomial', a: 0.5 } or { kind: 'hinge', a: 10, b: 4 }",
    );
  };
  if (typeof s !== 'object' || s === null) bad(`must be an object, got ${String(s)}`);
  const kind = (s as { kind?: unknown }).kind;
  if (kind === 'constant') return;
  if (kind !== 'polynomial' && kind !== 'hinge')
    bad(`kind must be constant, polynomial or hinge, got '${String(kind)}'`);
  const a = (s as { a?: unknown }).a;
  if (!(typeof a === 'number' && Number.isFinite(a) && a >= 0)) bad(`a must be a finite number ≥ 0, got ${String(a)}`);
  if (kind === 'hinge') {
    const b = (s as { b?: unknown }).b;
    if (!(typeof b === 'number' && Number.isFinite(b) && b >= 0))
      bad(`b must be a finite number ≥ 0, got ${String(b)}`);
  }
}
