import type { ModelName } from '@federa/tfjs';
import type { AttackSpec } from '../attacks/spec.js';

/** Everything needed to rebuild a simulated federation identically in any thread. Structured-cloneable. */
export interface ExperimentSpec {
  readonly seed: number;
  readonly dataset: 'mnist' | 'fashion-mnist' | 'shakespeare' | 'synthetic';
  readonly partition: 'iid' | 'shards' | 'dirichlet' | 'natural';
  /** Number of clients (iid, shards, dirichlet). */
  readonly clients: number;
  readonly shardsPerClient: number;
  readonly shardSize: number;
  /** Dirichlet concentration. */
  readonly alpha: number;
  readonly synthetic: { readonly alpha: number; readonly beta: number };
  /** 0 = all of each client's examples; else a seeded random subset of at most N. */
  readonly maxClientSamples: number;
  /** shakespeare: one window every `stride` characters. */
  readonly stride: number;
  /** natural partitions: at most this many clients (0 = all). */
  readonly maxClients: number;
  /**
   * mnist / fashion-mnist: this many training samples (seeded random) are held out for the
   * server before partitioning (FedDF's unlabeled set, FLTrust's root dataset). Default 0.
   */
  readonly serverSamples?: number;
  /** 0 = the whole test set; else its first N samples. */
  readonly testSubset: number;
  /** Poisoning by a fraction of malicious clients (data attacks change their local data). */
  readonly attack?: AttackSpec;
  /** A zoo model name. */
  readonly model: ModelName;
  /**
   * A heterogeneous federation: client k trains architecture models[k mod M], and the global
   * state holds one model per architecture (see `joinParts`, prefixes = model names).
   * Absent or empty: every client trains `model`.
   */
  readonly models?: readonly ModelName[];
  /**
   * Keep only the samples with these labels, in the training and the test set (before
   * partitioning); the number of classes stays the data set's. Absent: all labels.
   */
  readonly labels?: readonly number[];
  /** Start from a pretrained model instead of the zoo's initial weights. */
  readonly transfer?: TransferSpec;
}

/** Federated transfer learning: where the pretrained model is and how it is readied. */
export interface TransferSpec {
  /** A model.json file or a folder holding one (absolute: workers read it). */
  readonly from: string;
  /** Regular expression over layer names; the matching layers are frozen (not trained). */
  readonly freeze?: string;
  /** Re-initialise the head ('out') from the run's seed instead of reusing it. */
  readonly reinitHead?: boolean;
}
