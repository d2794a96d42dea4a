import { ATTACKS } from '@federa/sim';
import { z } from 'zod';

/** Datasets a run can use. */
export const DATASETS = ['mnist', 'fashion-mnist', 'shakespeare', 'synthetic'] as const;
/** Ways to split a dataset across clients. */
export const PARTITIONS = ['iid', 'shards', 'dirichlet', 'natural'] as const;
/** Models of the zoo a run can name. */
export const MODELS = ['mlp2nn', 'cnnMnist', 'charLstm', 'logreg'] as const;
/** Federated algorithms a run can name. */
/** Robust aggregation rules a run can name. */
export const ROBUST_RULES = [
  'none',
  'krum',
  'multikrum',
  'median',
  'trimmedMean',
  'bulyan',
  'normBound',
  'centeredClip',
  'fltrust',
] as const;

/** How the server may see the updates: in the clear, masked (SecAgg), or encrypted (HE). */
export const SECURE_AGGREGATION = ['off', 'secagg', 'secaggPlus', 'paillier', 'ckks'] as const;

export const STRATEGIES = [
  'fedavg',
  'fedsgd',
  'fedprox',
  'fednova',
  'fedavgm',
  'fedadagrad',
  'fedadam',
  'fedyogi',
  'qfedavg',
  'scaffold',
  'ditto',
  'fedper',
  'fedrep',
  'feddf',
  'fedbuff',
  'fedasync',
] as const;

export type DatasetName = (typeof DATASETS)[number];
export type ModelName = (typeof MODELS)[number];

/**
 * Which datasets each model accepts (input shape and output classes must fit).
 * `synthetic` (60-feature vectors, 10 classes) takes FedProx's multinomial logistic regression.
 */
export const MODEL_DATASETS: Readonly<Record<ModelName, readonly DatasetName[]>> = {
  mlp2nn: ['mnist', 'fashion-mnist'],
  cnnMnist: ['mnist', 'fashion-mnist'],
  charLstm: ['shakespeare'],
  logreg: ['synthetic'],
};

/** Train/test sizes of the datasets whose size is fixed (the others depend on their options). */
export const DATASET_SIZES: Readonly<Partial<Record<DatasetName, { train: number; test: number }>>> = {
  mnist: { train: 60000, test: 10000 },
  'fashion-mnist': { train: 60000, test: 10000 },
};

/** Datasets whose clients are given by the data itself (speakers, generated devices). */
export const NATURAL_ONLY: readonly DatasetName[] = ['shakespeare', 'synthetic'];

/** How a field is explained when its value is wrong: what it takes and a value that works. */
export interface FieldHint {
  readonly expect: string;
  readonly example: string;
}

const hints = new WeakMap<z.ZodType, FieldHint>();

/** Attaches a description (shown in the JSON schema) and an error hint to a leaf schema. */
function field<T extends z.ZodType>(schema: T, description: string, expect: string, example: string): T {
  const described = schema.describe(description) as T;
  hints.set(described, { expect, example });
  return described;
}

const posInt = () => z.number().int().positive();
const nonNegInt = () => z.number().int().min(0);
const oneOf = (values: readonly string[]) => `one of ${values.join(' | ')}`;

const dataSchema = z
  .strictObject({
    dataset: field(z.enum(DATASETS), 'Dataset to train on.', oneOf(DATASETS), 'mnist').default('mnist'),
    partition: field(
      z.enum(PARTITIONS),
      'How the training set is split across clients: iid, label shards (McMahan et al.), Dirichlet(alpha) label skew, or the natural split of the data (shakespeare: one client per speaking role; synthetic: one per device).',
      oneOf(PARTITIONS),
      'iid',
    ).default('iid'),
    clients: field(
      posInt(),
      'Number of clients (ignored for natural partitions).',
      'a positive integer',
      '100',
    ).default(100),
    shardsPerClient: field(
      posInt(),
      'Shards given to each client (shards partition).',
      'a positive integer',
      '2',
    ).default(2),
    shardSize: field(posInt(), 'Examples per shard (shards partition).', 'a positive integer', '300').default(300),
    alpha: field(
      z.number().positive(),
      'Dirichlet concentration (dirichlet partition): small = each client sees few labels.',
      'a number > 0',
      '0.5',
    ).default(0.5),
    synthetic: z
      .strictObject({
        alpha: field(
          z.number().min(0),
          'synthetic(alpha, beta): how much the local models differ.',
          'a number ≥ 0',
          '1',
        ).default(1),
        beta: field(
          z.number().min(0),
          'synthetic(alpha, beta): how much the local data differ.',
          'a number ≥ 0',
          '1',
        ).default(1),
      })
      .describe('Options of the synthetic(alpha, beta) dataset of Li et al. (FedProx).')
      .prefault({}),
    maxClientSamples: field(
      nonNegInt(),
      "0 = each client trains on all its examples; else on a seeded random subset of at most N of them (keeps slow models' rounds short).",
      'an integer ≥ 0',
      '0',
    ).default(0),
    stride: field(
      posInt(),
      'shakespeare: one training window every `stride` characters (1 = every position, as LEAF).',
      'a positive integer',
      '1',
    ).default(1),
    maxClients: field(
      nonNegInt(),
      'natural partitions: keep a seeded random subset of at most N clients (0 = all).',
      'an integer ≥ 0',
      '0',
    ).default(0),
    serverSamples: field(
      nonNegInt(),
      "mnist / fashion-mnist: hold out this many training samples (seeded random) on the server before splitting the rest across clients: FedDF's unlabeled distillation set (labels unused), FLTrust's clean root dataset. 0 = none.",
      'an integer ≥ 0',
      '1000',
    ).default(0),
    testSubset: field(
      nonNegInt(),
      '0 = evaluate on the whole test set; else on its first N samples.',
      'an integer ≥ 0',
      '0',
    ).default(0),
    labels: field(
      z
        .array(z.number().int().min(0).max(9))
        .min(1)
        .refine((a) => new Set(a).size === a.length, 'labels must not repeat')
        .nullable(),
      'mnist / fashion-mnist: keep only the samples of these classes in the training and test sets (the model keeps its 10 outputs); null = all classes.',
      'a list of distinct class numbers 0-9, or null',
      '[5, 6, 7, 8, 9]',
    ).default(null),
  })
  .describe('The data and how it is split across clients.');

/** True when `source` compiles as a JavaScript regular expression. */
function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const transferSchema = z
  .strictObject({
    from: field(
      z.string().min(1).nullable(),
      "Pretrained TF.js Layers model to start from: a model.json file or a folder holding one (e.g. a run's runs/<name>/model); null = the zoo model's seeded initial weights.",
      'a path or null',
      'runs/transfer-pretrain/model',
    ).default(null),
    freeze: field(
      z.string().min(1).refine(isRegExp, 'not a valid regular expression').nullable(),
      'Regular expression over layer names; the matching layers are frozen (their weights never change), e.g. "^fc1$".',
      'a regular expression or null',
      '^fc1$',
    ).default(null),
    reinitHead: field(
      z.boolean(),
      "Re-initialise the pretrained model's head ('out') from the seed instead of reusing it.",
      'true or false',
      'false',
    ).default(false),
  })
  .describe('Federated transfer learning: start from a pretrained model, freeze some layers.');

const strategySchema = z
  .strictObject({
    name: field(z.enum(STRATEGIES), 'Federated algorithm.', oneOf(STRATEGIES), 'fedavg').default('fedavg'),
    fraction: field(
      z.number().gt(0).max(1),
      'C: fraction of clients sampled per round.',
      'a number in (0, 1]',
      '0.1',
    ).default(0.1),
    minClients: field(posInt(), 'At least this many clients are sampled.', 'a positive integer', '1').default(1),
    serverLr: field(
      z.number().positive().nullable(),
      "Server learning rate eta_s; null = the algorithm's default (1 for FedAvg/FedProx/FedNova/FedAvgM, 0.01 for FedAdam/FedYogi, 0.1 for FedAdagrad). FedSGD's step size is client.lr.",
      'a number > 0, or null',
      '1.0',
    ).default(null),
    mu: field(z.number().min(0), 'FedProx: proximal coefficient mu.', 'a number ≥ 0', '0.01').default(0.01),
    dropStragglers: field(
      z.boolean(),
      "FedProx: drop clients that did less local work than asked (FedProx's FedAvg baseline) instead of using their partial work.",
      'true or false',
      'false',
    ).default(false),
    momentum: field(z.number().min(0).lt(1), 'FedAvgM: server momentum.', 'a number in [0, 1)', '0.9').default(0.9),
    beta1: field(z.number().min(0).lt(1), 'FedAdam/FedYogi: first-moment decay.', 'a number in [0, 1)', '0.9').default(
      0.9,
    ),
    beta2: field(
      z.number().min(0).lt(1),
      'FedAdam/FedYogi: second-moment decay.',
      'a number in [0, 1)',
      '0.99',
    ).default(0.99),
    tau: field(z.number().positive(), 'FedOpt: adaptivity (epsilon) tau.', 'a number > 0', '0.001').default(0.001),
    q: field(z.number().min(0), 'q-FedAvg: fairness exponent q (0 = FedAvg-like).', 'a number ≥ 0', '1').default(1),
    lambda: field(
      z.number().min(0),
      "Ditto: pull of each client's personal model towards the global one.",
      'a number ≥ 0',
      '0.1',
    ).default(0.1),
    personalLayers: field(
      z.string().min(1),
      'FedPer/FedRep: regular expression over tensor names of the layers that stay on the client (e.g. "^out/").',
      'a regular expression',
      '^out/',
    ).default('^out/'),
    headEpochs: field(posInt(), "FedRep: epochs on the client's head per round.", 'a positive integer', '5').default(5),
    bufferSize: field(
      posInt(),
      'FedBuff: updates buffered before the server applies them (K; the paper uses 10).',
      'a positive integer',
      '10',
    ).default(10),
    alpha: field(
      z.number().gt(0).max(1),
      'FedAsync: mixing weight alpha of w ← (1 − alpha_t)·w + alpha_t·w_k.',
      'a number in (0, 1]',
      '0.6',
    ).default(0.6),
    staleness: field(
      z.enum(['constant', 'polynomial', 'hinge']),
      'FedBuff / FedAsync: how an update t versions stale is weighted: constant 1, polynomial (t+1)^-a, hinge 1 for t ≤ b then 1/(a(t−b)+1).',
      'one of constant | polynomial | hinge',
      'polynomial',
    ).default('polynomial'),
    stalenessA: field(z.number().gt(0), 'Staleness function parameter a.', 'a number > 0', '0.5').default(0.5),
    stalenessB: field(
      nonNegInt(),
      'Hinge staleness: versions tolerated at full weight (b).',
      'an integer ≥ 0',
      '4',
    ).default(4),
  })
  .describe('The federated algorithm and its server-side settings.');

const distillSchema = z
  .strictObject({
    steps: field(
      posInt(),
      'FedDF: Adam steps of server-side distillation per round (Lin et al. run up to a few hundred).',
      'a positive integer',
      '100',
    ).default(100),
    batchSize: field(posInt(), 'FedDF: unlabeled samples per distillation step.', 'a positive integer', '64').default(
      64,
    ),
    lr: field(z.number().positive(), 'FedDF: Adam learning rate of distillation.', 'a number > 0', '0.001').default(
      0.001,
    ),
    temperature: field(
      z.number().positive(),
      "FedDF: softmax temperature of the ensemble's and the student's logits.",
      'a number > 0',
      '1',
    ).default(1),
  })
  .describe("FedDF's ensemble distillation on the server's held-out data (data.serverSamples).");

const batchSize = field(
  z.union([posInt(), z.literal(0), z.literal('full')]),
  'B: local minibatch size; 0 or "full" = the whole local set (B = infinity).',
  'a positive integer or "full"',
  '10',
)
  .default(10)
  .transform((b): number | 'full' => (b === 0 ? 'full' : b));

const clientSchema = z
  .strictObject({
    epochs: field(posInt(), 'E: local epochs per round.', 'a positive integer', '1').default(1),
    batchSize,
    lr: field(z.number().positive(), 'Local SGD learning rate.', 'a number > 0', '0.1').default(0.1),
    compress: field(
      z.string().min(1).nullable(),
      'Update compression, e.g. "qsgd:2", "qsgd:8", "f16", "topk:0.01+ef", "f16+skip:0.05"; null = dense float32.',
      'a compression spec or null',
      'qsgd:4',
    ).default(null),
  })
  .describe('Local training on each client.');

const evaluateSchema = z
  .strictObject({
    every: field(
      posInt(),
      'Centralised test-set evaluation every N rounds (and always on the last).',
      'a positive integer',
      '1',
    ).default(1),
    fraction: field(
      z.number().min(0).max(1),
      'Fraction of clients doing federated evaluation per round (0 = none).',
      'a number in [0, 1]',
      '0',
    ).default(0),
    on: field(
      z.enum(['test', 'train']),
      "Centralised evaluation on the held-out test set, or on the pooled training data of all clients (FedProx's training-loss curves).",
      'one of test | train',
      'test',
    ).default('test'),
    clients: field(
      z.boolean(),
      "At the end, evaluate the final model on every client's local data (its own test split, else its training data) and report the spread across clients.",
      'true or false',
      'true',
    ).default(true),
  })
  .describe('When and where the global model is evaluated.');

/** The run config as written in a file: every field optional, unknown keys rejected. */
export const runConfigSchema = z
  .strictObject({
    name: field(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/),
      "Run name; output goes to runs/<name>/ unless output.dir is set. Defaults to the config file's base name.",
      'a name of letters, digits, ".", "_" or "-" (it names a folder)',
      'mnist-fedavg',
    ).optional(),
    seed: field(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
      'Every random choice derives from it.',
      'an integer in [0, 4294967295]',
      '1',
    ).default(1),
    rounds: field(posInt(), 'Maximum number of rounds.', 'a positive integer', '100').default(100),
    data: dataSchema.prefault({}),
    model: field(z.enum(MODELS), 'Model to train.', oneOf(MODELS), 'mlp2nn').default('mlp2nn'),
    models: field(
      z
        .array(z.enum(MODELS))
        .min(2)
        .refine((a) => new Set(a).size === a.length, 'models must not repeat')
        .nullable(),
      "A heterogeneous federation (strategy feddf): client k trains models[k mod M], and FedDF fuses the architectures by distillation on the server's data; `model` (one of them) is the one the report headlines and saves. null = every client trains `model`.",
      'a list of at least two distinct model names, or null',
      '[mlp2nn, cnnMnist]',
    ).default(null),
    transfer: transferSchema.prefault({}),
    strategy: strategySchema.prefault({}),
    client: clientSchema.prefault({}),
    distill: distillSchema.prefault({}),
    evaluate: evaluateSchema.prefault({}),
    async: z
      .strictObject({
        concurrency: field(
          posInt(),
          'FedBuff / FedAsync: clients training at the same time (each from the model version current when it started).',
          'a positive integer',
          '10',
        ).default(10),
        order: field(
          z.enum(['start', 'arrival']),
          'start = updates are applied in the order clients started (reproducible from the seed); arrival = as they arrive (real asynchrony, not bit-reproducible).',
          'one of start | arrival',
          'start',
        ).default('start'),
        maxStaleness: field(
          nonNegInt().nullable(),
          'Updates staler than this many versions are rejected; null = none.',
          'an integer ≥ 0 or null',
          '20',
        ).default(null),
      })
      .describe(
        'Asynchronous training (strategy fedbuff or fedasync); `rounds` is the server model version to stop at.',
      )
      .prefault({}),
    stop: z
      .strictObject({
        accuracy: field(
          z.number().gt(0).max(1).nullable(),
          'Stop early once test accuracy reaches this (e.g. 0.97); null = run all rounds.',
          'a number in (0, 1] or null',
          '0.97',
        ).default(null),
      })
      .describe('Early stopping.')
      .prefault({}),
    sim: z
      .strictObject({
        workers: field(
          nonNegInt(),
          'Worker threads for client training; 0 = number of CPU cores.',
          'an integer ≥ 0',
          '0',
        ).default(0),
        edges: field(
          nonNegInt(),
          'Hierarchical aggregation: clients split over this many edge aggregators, each sending one partial aggregate to the root (0 = flat). Same result as flat for mean-based strategies.',
          'an integer ≥ 0',
          '4',
        ).default(0),
        deadlineMs: field(
          z.number().positive().nullable(),
          'Round deadline: a client that has not answered this many ms after the round started counts as failed (E_DEADLINE); null = wait for all.',
          'a number of milliseconds > 0, or null',
          '30000',
        ).default(null),
        stragglers: field(
          z.number().min(0).max(1),
          "Fraction of each round's clients that are stragglers and run only 1..E-1 epochs (FedProx's system heterogeneity).",
          'a number in [0, 1]',
          '0.5',
        ).default(0),
        computeSteps: field(
          posInt().nullable(),
          'Per-client compute budgets (adaptive local work): the local steps the median device can do in a round; each client does as many of the asked steps as its own budget allows (devices differ by sim.computeSpread, rounds by ±25%) and reports them (FedNova normalises by them). null = every client does all its work.',
          'a positive integer or null',
          '50',
        ).default(null),
        computeSpread: field(
          z.number().min(0),
          'sigma of the log-normal spread of device speeds around the median (0 = all alike, 1 = a 10x gap between fast and slow devices is common).',
          'a number ≥ 0',
          '1',
        ).default(1),
      })
      .describe('The simulation engine.')
      .prefault({}),
    privacy: z
      .strictObject({
        sampleClipNorm: field(
          z.number().positive().nullable(),
          'Sample-level DP-SGD on every client (Abadi et al. 2016): per-example gradients clipped to this L2 norm C, Gaussian noise sigma·C on each lot; null = no DP-SGD.',
          'a number > 0 or null',
          '1',
        ).default(null),
        sampleNoiseMultiplier: field(
          z.number().positive(),
          'DP-SGD: noise multiplier sigma.',
          'a number > 0',
          '1.1',
        ).default(1.1),
        clipNorm: field(
          z.number().positive().nullable(),
          'Client-level DP-FedAvg: clip each update to this L2 norm S and add Gaussian noise z·S to their sum; null = no DP.',
          'a number > 0 or null',
          '1',
        ).default(null),
        noiseMultiplier: field(z.number().positive(), 'z: noise multiplier.', 'a number > 0', '1').default(1),
        delta: field(z.number().gt(0).lt(1), 'δ of the reported (ε, δ).', 'a number in (0, 1)', '1e-5').default(1e-5),
        targetQuantile: field(
          z.number().gt(0).lt(1).nullable(),
          'Adaptive clipping (Andrew et al. 2021): the fraction of updates to leave unclipped; null = fixed clip.',
          'a number in (0, 1) or null',
          '0.5',
        ).default(null),
        clipLr: field(z.number().positive(), 'Adaptive clipping: geometric step η_C.', 'a number > 0', '0.2').default(
          0.2,
        ),
        budget: field(
          z.number().positive().nullable(),
          'Stop training before ε would exceed this; null = no budget.',
          'a number > 0 or null',
          '8',
        ).default(null),
        seeded: field(
          z.boolean(),
          'Draw the noise from the run seed (reproducible simulation, not private) instead of the system CSPRNG.',
          'true or false',
          'false',
        ).default(false),
      })
      .describe('Differential privacy.')
      .prefault({}),
    secure: z
      .strictObject({
        aggregation: field(
          z.enum(SECURE_AGGREGATION),
          "The server learns only the sum of the round's updates: secagg (Bonawitz et al. 2017: pairwise masks, Shamir shares, survives dropouts), secaggPlus (Bell et al. 2020: masks among O(log n) neighbours), paillier or ckks (additively homomorphic encryption; the key holder decrypts the sum). off = plain updates. Mean-based strategies only.",
          oneOf(SECURE_AGGREGATION),
          'secaggPlus',
        ).default('off'),
        clip: field(
          z.number().positive(),
          'secagg, paillier: every coordinate of an update is clipped to [-clip, clip] before it is quantized into the ring or plaintext.',
          'a number > 0',
          '1',
        ).default(1),
        bits: field(
          z.number().int().min(8).max(32),
          'secagg: bits of the ring Z_2^k the masked, quantized updates live in.',
          'an integer in [8, 32]',
          '32',
        ).default(32),
        threshold: field(
          z.number().positive().nullable(),
          "secagg: shares needed to unmask (a fraction of each client's neighbourhood in (0, 1), or a count ≥ 2); null = a majority.",
          'a number > 0 or null',
          '0.5',
        ).default(null),
        dropout: field(
          z.number().min(0).lt(1),
          'secagg: simulated fraction of the round’s clients that drop out after sending their masked update (the protocol recovers their masks).',
          'a number in [0, 1)',
          '0.1',
        ).default(0),
        keyBits: field(
          z.number().int().min(512),
          'paillier: modulus bits of the key pair.',
          'an integer ≥ 512',
          '2048',
        ).default(2048),
      })
      .describe('Secure aggregation and homomorphic encryption.')
      .prefault({}),
    robust: z
      .strictObject({
        rule: field(
          z.enum(ROBUST_RULES),
          "Byzantine-robust aggregation replacing FedAvg's weighted mean (strategy fedavg only).",
          oneOf(ROBUST_RULES),
          'krum',
        ).default('none'),
        f: field(
          nonNegInt(),
          'krum, multikrum, bulyan: number of Byzantine clients tolerated per round.',
          'an integer ≥ 0',
          '1',
        ).default(1),
        trim: field(
          z.number().min(0).lt(0.5),
          'trimmedMean: fraction of the largest and of the smallest values dropped per coordinate.',
          'a number in [0, 0.5)',
          '0.1',
        ).default(0.1),
        maxNorm: field(
          z.number().positive(),
          'normBound: clip each update to this L2 norm.',
          'a number > 0',
          '1',
        ).default(1),
        tau: field(z.number().positive(), 'centeredClip: clipping radius.', 'a number > 0', '1').default(1),
        detector: field(
          z.enum(['off', 'exclude', 'downweight']),
          'Anomaly detector over norms and cosines, with per-client reputation across rounds.',
          'one of off | exclude | downweight',
          'exclude',
        ).default('off'),
      })
      .describe('Robust aggregation and poisoning detection.')
      .prefault({}),
    attack: z
      .strictObject({
        kind: field(
          z.enum(ATTACKS),
          'Poisoning attack by a fraction of malicious clients: none, labelFlip, backdoor (data attacks); signFlip, scale, noise, lie (update attacks).',
          oneOf(ATTACKS),
          'signFlip',
        ).default('none'),
        fraction: field(
          z.number().min(0).lt(1),
          'Fraction of all clients that are malicious (fixed for the run).',
          'a number in [0, 1)',
          '0.2',
        ).default(0),
        scale: field(
          z.number().positive().nullable(),
          'scale: update multiplier (null = 10); signFlip: sends -scale times the update (null = 1).',
          'a number > 0 or null',
          '10',
        ).default(null),
        noiseStd: field(
          z.number().positive(),
          'noise: standard deviation of the Gaussian update.',
          'a number > 0',
          '1',
        ).default(1),
        target: field(nonNegInt(), 'backdoor: label the trigger should produce.', 'an integer ≥ 0', '0').default(0),
        poisonFraction: field(
          z.number().gt(0).max(1),
          "backdoor: fraction of a malicious client's samples that carry the trigger.",
          'a number in (0, 1]',
          '0.5',
        ).default(0.5),
        z: field(
          z.number().positive().nullable(),
          "lie: standard deviations from the mean (null = Baruch et al.'s z_max for n and f).",
          'a number > 0 or null',
          '1',
        ).default(null),
      })
      .describe('Attack simulation (robustness experiments).')
      .prefault({}),
    output: z
      .strictObject({
        dir: field(
          z.string().min(1).nullable(),
          'Output folder; null = runs/<name>.',
          'a folder path or null',
          'runs/my-run',
        ).default(null),
      })
      .describe('Where the run is written.')
      .prefault({}),
  })
  .describe('A federa run: data, model, algorithm, and how long to train.');

type Parsed = z.output<typeof runConfigSchema>;

/**
 * A validated run config with every default filled in. `name` is always set (from the
 * file's base name when absent) and `output.dir` is resolved (`runs/<name>` when null);
 * `client.batchSize` is a positive integer or 'full' (0 in a file means 'full').
 */
export type RunConfig = Omit<Parsed, 'name' | 'output'> & { name: string; output: { dir: string } };

/** JSON Schema (draft 2020-12) of the config file, for editors: `# yaml-language-server: $schema=...`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runConfigSchema, { io: 'input' }) as Record<string, unknown>;
}

/** Removes the wrappers (default, optional, pipe, ...) around a schema, yielding each layer. */
function* layers(schema: z.ZodType): Generator<z.ZodType> {
  let s: z.ZodType | undefined = schema;
  while (s) {
    yield s;
    const def = s._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    s = def.type === 'pipe' ? def.in : def.innerType;
  }
}

/** The object schema's keys, or undefined when `schema` is not an object. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  for (const l of layers(schema)) {
    if (l instanceof z.ZodObject) return l.shape as Record<string, z.ZodType>;
  }
  return undefined;
}

/** The schema at a dotted path of the config, or undefined when there is no such field. */
export function schemaAt(path: readonly (string | number)[]): z.ZodType | undefined {
  let s: z.ZodType = runConfigSchema;
  for (const key of path) {
    const shape = shapeOf(s);
    if (!shape || typeof key !== 'string' || !Object.hasOwn(shape, key)) return undefined;
    s = shape[key];
  }
  return s;
}

/** The keys accepted at a path, or undefined when the path is not a section. */
export function keysAt(path: readonly (string | number)[]): string[] | undefined {
  const s = schemaAt(path);
  const shape = s && shapeOf(s);
  return shape ? Object.keys(shape) : undefined;
}

/** The error hint of the field at a path, if it has one. */
export function hintAt(path: readonly (string | number)[]): FieldHint | undefined {
  const s = schemaAt(path);
  if (!s) return undefined;
  for (const l of layers(s)) {
    const h = hints.get(l);
    if (h) return h;
  }
  return undefined;
}

/** Every leaf (non-section) path of the config, dotted: 'client.lr', 'data.synthetic.alpha', ... */
export function leafPaths(schema: z.ZodType = runConfigSchema, prefix = ''): string[] {
  const shape = shapeOf(schema);
  if (!shape) return [prefix];
  return Object.entries(shape).flatMap(([k, s]) => leafPaths(s, prefix ? `${prefix}.${k}` : k));
}
