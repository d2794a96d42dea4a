import { FederaError } from './errors.js';
import { Weights } from './weights.js';

/** One model's weights inside a joined Weights, under `prefix`. */
export interface WeightsPart {
  /** The part's name; its tensors are named `${prefix}/${name}` in the joined Weights. */
  readonly prefix: string;
  readonly weights: Weights;
}

const PREFIX = /^[A-Za-z0-9_.-]+$/;

/**
 * Several models' weights as one Weights (a heterogeneous federation's global state: one
 * model per architecture): each part's tensors in order, renamed `${prefix}/${name}`.
 * Prefixes must be distinct and made of letters, digits, '_', '.', '-'.
 *
 * @example
 * const global = joinParts([{ prefix: 'mlp2nn', weights: a }, { prefix: 'cnnMnist', weights: b }]);
 * partOf(global, 'cnnMnist'); // equal to b
 */
export function joinParts(parts: readonly WeightsPart[]): Weights {
  const seen = new Set<string>();
  for (const p of parts) {
    if (!PREFIX.test(p.prefix)) {
      throw new FederaError('E_ARG', `part prefix '${p.prefix}' must be letters, digits, '_', '.' or '-'`);
    }
    if (seen.has(p.prefix)) throw new FederaError('E_ARG', `part prefix '${p.prefix}' appears twice`);
    seen.add(p.prefix);
  }
  return Weights.fromTensors(
    parts.flatMap((p) =>
      p.weights.tensors().map((t) => ({ name: `${p.prefix}/${t.name}`, shape: t.shape, values: t.values })),
    ),
  );
}

/** The prefixes of a joined Weights, in order (tensor names up to their first '/'). */
export function partPrefixes(w: Weights): string[] {
  const out: string[] = [];
  for (const s of w.specs) {
    const cut = s.name.indexOf('/');
    const p = cut > 0 ? s.name.slice(0, cut) : s.name;
    if (out.at(-1) !== p) out.push(p);
  }
  return out;
}

/** The tensor index range [start, end) of part `prefix` in `w`; throws E_PART when absent. */
function range(w: Weights, prefix: string): [number, number] {
  const head = `${prefix}/`;
  let start = -1;
  let end = -1;
  w.specs.forEach((s, i) => {
    if (s.name.startsWith(head)) {
      if (start < 0) start = i;
      else if (end !== i) throw new FederaError('E_PART', `part '${prefix}' is not contiguous in the weights`);
      end = i + 1;
    }
  });
  if (start < 0) {
    throw new FederaError(
      'E_PART',
      `no part '${prefix}' in the weights (parts: ${partPrefixes(w).join(', ')})`,
      'name one of the architectures of the federation',
    );
  }
  return [start, end];
}

/** A copy of part `prefix` of `w`, with the prefix stripped from its tensor names. */
export function partOf(w: Weights, prefix: string): Weights {
  const [a, b] = range(w, prefix);
  return new Weights(partSpecs(w, prefix, a, b), w.data.slice(w.offsets[a], w.offsets[b]));
}

function partSpecs(w: Weights, prefix: string, a: number, b: number) {
  return w.specs.slice(a, b).map((s) => ({ name: s.name.slice(prefix.length + 1), shape: s.shape }));
}

/**
 * Weights of `layout`'s layout that hold `part` (same layout as `partOf(layout, prefix)`)
 * under `prefix` and zeros everywhere else: a heterogeneous client's update.
 */
export function placePart(layout: Weights, prefix: string, part: Weights): Weights {
  const [a, b] = range(layout, prefix);
  new Weights(partSpecs(layout, prefix, a, b)).assertSameLayout(part, `part '${prefix}'`);
  const out = new Weights(layout.specs);
  out.data.set(part.data, layout.offsets[a]);
  return out;
}
