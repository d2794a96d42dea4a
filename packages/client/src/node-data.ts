import { FederaError, type LabeledData, Rng, subset } from '@federa/core';
import { iidPartition, loadFashionMnist, loadMnist } from '@federa/data';

/** Which part of a data set this client holds (Node: read from local files). */
export interface ShardSpec {
  readonly dataset: 'mnist' | 'fashion-mnist';
  /** This client's shard, 0-based, of `of` IID shards of the training set. */
  readonly shard: number;
  readonly of: number;
  /** Seeds the split (default 0): every client must use the same seed to hold disjoint shards. */
  readonly seed?: number;
  /** Keep at most this many samples of the shard (0 = all). */
  readonly maxSamples?: number;
}

/**
 * Loads this client's shard of MNIST or Fashion-MNIST from the local idx files: the training
 * set split IID into `of` shards with `seed` (each sample in exactly one shard), shard
 * `shard` kept, cut to its first `maxSamples`. The data never leaves this process.
 *
 * @example
 * const data = await loadShard({ dataset: 'mnist', shard: 2, of: 4 });
 */
export async function loadShard(spec: ShardSpec): Promise<LabeledData> {
  if (
    !(
      Number.isInteger(spec.of) &&
      spec.of >= 1 &&
      Number.isInteger(spec.shard) &&
      spec.shard >= 0 &&
      spec.shard < spec.of
    )
  ) {
    throw new FederaError('E_ARG', `shard ${spec.shard}/${spec.of} is not a shard`, 'use --shard i/n with 0 ≤ i < n');
  }
  const { train } = await load(spec.dataset);
  const parts = iidPartition(train.y.length, spec.of, new Rng(`${spec.seed ?? 0}:partition`));
  let idx = [...(parts[spec.shard] as readonly number[])].sort((a, b) => a - b);
  if (spec.maxSamples && spec.maxSamples > 0) idx = idx.slice(0, spec.maxSamples);
  return subset(train, idx);
}

const loaded = new Map<ShardSpec['dataset'], ReturnType<typeof loadMnist>>();

/** Each data set is read from disk once per process. */
function load(dataset: ShardSpec['dataset']): ReturnType<typeof loadMnist> {
  let p = loaded.get(dataset);
  if (!p) loaded.set(dataset, (p = dataset === 'mnist' ? loadMnist() : loadFashionMnist()));
  return p;
}

/** Parses "i/n" (e.g. "2/4"); throws E_ARG otherwise. */
export function parseShard(s: string): { shard: number; of: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m)
    throw new FederaError('E_ARG', `--shard '${s}' is not i/n`, 'write e.g. --shard 0/4 (the first of four shards)');
  const shard = Number(m[1]);
  const of = Number(m[2]);
  if (!(of >= 1 && shard < of)) throw new FederaError('E_ARG', `--shard ${s}: need 0 ≤ i < n`);
  return { shard, of };
}
