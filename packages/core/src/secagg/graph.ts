import { FederaError } from '../errors.js';
import type { Rng } from '../rng.js';

/** Who masks with whom: each client's neighbours (itself excluded); symmetric. */
export type NeighbourGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The SecAgg+ default degree: the smallest even k ≥ 4·log2(n), capped at n − 1 (then the
 * graph is complete, plain SecAgg). Bell et al. 2020 show k = O(log n) suffices for
 * privacy and dropout robustness; the constant trades robustness (a neighbourhood must keep
 * t live members) against cost (a client expands k + 1 masks).
 */
export function secAggPlusDegree(n: number): number {
  if (n <= 1) return 0;
  const k = 2 * Math.ceil(2 * Math.log2(n));
  return Math.min(n - 1, k);
}

/** Every client is every other's neighbour: the original SecAgg (Bonawitz et al. 2017). */
export function completeGraph(ids: readonly string[]): NeighbourGraph {
  return new Map(ids.map((id) => [id, ids.filter((o) => o !== id)]));
}

/**
 * The SecAgg+ communication graph (Bell et al. 2020, §3): the Harary graph H(n, k) — node i
 * linked to i ± 1, …, i ± k/2 (mod n), k-connected — over a random permutation of the
 * clients drawn from `rng`. Odd k is rounded up to even; k ≥ n − 1 gives the complete graph.
 *
 * @example
 * const g = hararyGraph(ids, secAggPlusDegree(ids.length), new Rng(1));
 */
export function hararyGraph(ids: readonly string[], degree: number, rng: Rng): NeighbourGraph {
  if (new Set(ids).size !== ids.length) throw new FederaError('E_ARG', 'client ids must be distinct');
  if (!(Number.isInteger(degree) && degree >= 1)) {
    throw new FederaError('E_ARG', `SecAgg+ degree must be a positive integer, got ${degree}`, 'omit it for 4·log2(n)');
  }
  const n = ids.length;
  const k = degree + (degree % 2);
  if (k >= n - 1) return completeGraph(ids);
  const order = rng.shuffle([...ids]);
  const g = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const nb: string[] = [];
    for (let j = 1; j <= k / 2; j++) nb.push(order[(i + j) % n]!, order[(i - j + n) % n]!);
    g.set(order[i]!, nb);
  }
  return g;
}

/**
 * |N̄(u)|, the closed neighbourhood size every client gets for `n` clients under
 * `neighbours` ('complete', 'harary' or a SecAgg+ degree), as `hararyGraph` builds it.
 */
export function neighbourhoodSize(n: number, neighbours: 'complete' | 'harary' | number = 'complete'): number {
  if (neighbours === 'complete') return n;
  const k = neighbours === 'harary' ? secAggPlusDegree(n) : neighbours + (neighbours % 2);
  return k >= n - 1 ? n : k + 1;
}

/** N̄(u): u and its neighbours. */
export function closedNeighbourhood(g: NeighbourGraph, u: string): string[] {
  return [u, ...(g.get(u) ?? [])];
}
