import { FederaError, type LabeledData, Rng, subset } from '@federa/core';
import {
  dirichletPartition,
  type FederatedDataset,
  iidPartition,
  loadFashionMnist,
  loadMnist,
  loadShakespeare,
  shardPartition,
  syntheticFedProx,
} from '@federa/data';
import { poisonData } from '../attacks/poison.js';
import { maliciousClients, validateAttack } from '../attacks/spec.js';
import type { ExperimentSpec } from './spec.js';

/** One simulated client: its id and the indices of its samples in the federation's train (and test) set. */
export interface SimClient {
  readonly id: string;
  readonly train: readonly number[];
  /** Its own test samples, for natural data sets that come with them. */
  readonly test?: readonly number[];
}

/** A built federation: the pooled data and who holds which part of it. */
export interface Federation {
  readonly train: LabeledData;
  /** The held-out test set for centralised evaluation (cut to spec.testSubset). */
  readonly test: LabeledData;
  /** The whole test set of naturally federated data (clients' test indices point into it). */
  readonly clientTest?: LabeledData;
  readonly clients: readonly SimClient[];
  /**
   * Samples held out on the server (spec.serverSamples): never given to a client. FedDF uses
   * their inputs as its unlabeled transfer set, FLTrust as its clean root dataset.
   */
  readonly server?: LabeledData;
}

/**
 * Loads the data set and splits it across clients exactly as the spec says (poisoning the
 * malicious clients' data under a data attack); the same spec gives the same federation in
 * every thread and every run.
 */
export async function buildFederation(spec: ExperimentSpec): Promise<Federation> {
  const fed = await buildClean(spec);
  const attack = spec.attack;
  if (attack && attack.kind !== 'none' && attack.fraction > 0) {
    validateAttack(attack);
    const malicious = maliciousClients(
      fed.clients.map((c) => c.id),
      attack.fraction,
      spec.seed,
    );
    poisonData(fed.train, fed.clients, malicious, attack, spec.seed);
  }
  return fed;
}

async function buildClean(spec: ExperimentSpec): Promise<Federation> {
  const rng = new Rng(`${spec.seed}:partition`);
  if (spec.dataset === 'shakespeare' || spec.dataset === 'synthetic') {
    if (spec.labels) {
      throw new FederaError(
        'E_CONFIG',
        `data.labels filters image classes; ${spec.dataset} is split by its own clients`,
        'remove data.labels, or use mnist / fashion-mnist',
      );
    }
    if ((spec.serverSamples ?? 0) > 0) {
      throw new FederaError(
        'E_CONFIG',
        `data.serverSamples holds out image samples for the server; ${spec.dataset} has none to spare`,
        'set data.serverSamples to 0, or use mnist / fashion-mnist',
      );
    }
    if (spec.partition !== 'natural') {
      throw new FederaError(
        'E_CONFIG',
        `${spec.dataset} is split by its own clients, not '${spec.partition}'`,
        "set data.partition to 'natural'",
      );
    }
    const fd: FederatedDataset =
      spec.dataset === 'shakespeare'
        ? await loadShakespeare({
            seed: spec.seed,
            stride: spec.stride,
            ...(spec.maxClients > 0 ? { maxClients: spec.maxClients } : {}),
          })
        : syntheticFedProx({ alpha: spec.synthetic.alpha, beta: spec.synthetic.beta, seed: spec.seed });
    return {
      train: fd.train,
      test: cut(fd.test, spec.testSubset),
      clientTest: fd.test,
      clients: fd.clients.map((c) => ({ id: c.id, train: cap(c.train, spec, rng), test: c.test })),
    };
  }
  const full = spec.dataset === 'mnist' ? await loadMnist() : await loadFashionMnist();
  const train = keepLabels(full.train, spec.labels);
  const test = keepLabels(full.test, spec.labels);
  const { server, rest } = holdOut(train, spec);
  const restLabels = rest ? Int32Array.from(rest, (i) => train.y[i] as number) : train.y;
  const parts = partition(spec, restLabels, rng).map((p) => (rest ? p.map((i) => rest[i] as number) : p));
  const width = String(parts.length - 1).length;
  return {
    train,
    test: cut(test, spec.testSubset),
    clients: parts.map((p, k) => ({ id: `c${String(k).padStart(width, '0')}`, train: cap(p, spec, rng) })),
    ...(server ? { server } : {}),
  };
}

/**
 * The spec's server hold-out: `serverSamples` training samples drawn at random (seeded, in
 * data order) for the server, and the indices left for the clients. Nothing when 0.
 */
function holdOut(train: LabeledData, spec: ExperimentSpec): { server?: LabeledData; rest?: number[] } {
  const n = spec.serverSamples ?? 0;
  if (n <= 0) return {};
  if (n >= train.y.length) {
    throw new FederaError(
      'E_CONFIG',
      `data.serverSamples (${n}) leaves no training samples for the clients (the set has ${train.y.length})`,
      'hold out a small part, e.g. 1000',
    );
  }
  const picked = new Rng(`${spec.seed}:server-data`).sample(train.y.length, n).sort((a, b) => a - b);
  const taken = new Uint8Array(train.y.length);
  for (const i of picked) taken[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < taken.length; i++) if (taken[i] === 0) rest.push(i);
  return { server: subset(train, picked), rest };
}

function partition(spec: ExperimentSpec, labels: Int32Array, rng: Rng): number[][] {
  switch (spec.partition) {
    case 'iid':
      return iidPartition(labels.length, spec.clients, rng);
    case 'shards':
      return shardPartition(
        labels,
        { clients: spec.clients, shardsPerClient: spec.shardsPerClient, shardSize: spec.shardSize },
        rng,
      );
    case 'dirichlet':
      return dirichletPartition(labels, { clients: spec.clients, alpha: spec.alpha }, rng);
    case 'natural':
      throw new FederaError('E_CONFIG', `${spec.dataset} has no natural clients`, "use 'iid', 'shards' or 'dirichlet'");
  }
}

/** At most spec.maxClientSamples of a client's indices (a seeded random subset, in data order). */
function cap(indices: readonly number[], spec: ExperimentSpec, rng: Rng): readonly number[] {
  const m = spec.maxClientSamples;
  if (m <= 0 || indices.length <= m) return indices;
  return rng
    .sample(indices.length, m)
    .sort((a, b) => a - b)
    .map((i) => indices[i] as number);
}

/**
 * The samples of `d` whose label is in `labels` (in data order; `numClasses` unchanged), or
 * `d` itself when `labels` is absent. Throws E_CONFIG naming a label outside [0, numClasses).
 */
export function keepLabels(d: LabeledData, labels: readonly number[] | undefined): LabeledData {
  if (!labels) return d;
  const bad = labels.find((l) => !(Number.isInteger(l) && l >= 0 && l < d.numClasses));
  if (bad !== undefined) {
    throw new FederaError(
      'E_CONFIG',
      `data.labels: ${bad} is not a class of this data set (0 to ${d.numClasses - 1})`,
      `use labels in [0, ${d.numClasses - 1}]`,
    );
  }
  const keep = new Set(labels);
  const idx: number[] = [];
  for (let i = 0; i < d.y.length; i++) if (keep.has(d.y[i] as number)) idx.push(i);
  return subset(d, idx);
}

function cut(d: LabeledData, n: number): LabeledData {
  if (n <= 0 || n >= d.y.length) return d;
  return subset(
    d,
    Array.from({ length: n }, (_, i) => i),
  );
}
