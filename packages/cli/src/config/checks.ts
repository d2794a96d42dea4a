import { type FederaError, parseCompressSpec } from '@federa/core';
import { DATASET_SIZES, type DatasetName, MODEL_DATASETS, MODELS, NATURAL_ONLY } from './schema.js';

/** A cross-field problem before its source is known. */
export interface CrossProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** The fields the cross-field checks read (defaults filled in, possibly with bad values elsewhere). */
export interface CheckView {
  data: {
    dataset: DatasetName;
    partition: string;
    clients: number;
    shardsPerClient: number;
    shardSize: number;
    testSubset: number;
    serverSamples: number;
  };
  model: string;
  models: string[] | null;
  strategy: { name: string; minClients: number };
  robust: { rule: string; detector: string };
  secure: { aggregation: string };
  privacy: {
    clipNorm: number | null;
    targetQuantile: number | null;
    budget: number | null;
    sampleClipNorm: number | null;
  };
  client: { compress: string | null };
}

/**
 * Checks what depends on several fields. `bad` holds the dotted paths that already failed
 * their own validation: a check reading one of them (or a field inside one) is skipped, so each mistake is
 * reported once. `raw` is the config as written, for "was this set explicitly?" questions.
 */
export function crossChecks(v: CheckView, raw: Record<string, unknown>, bad: ReadonlySet<string>): CrossProblem[] {
  const out: CrossProblem[] = [];
  const ok = (...paths: string[]) =>
    paths.every((p) => ![...bad].some((b) => b === '' || p === b || p.startsWith(`${b}.`)));
  const { data } = v;
  const size = DATASET_SIZES[data.dataset];

  if (ok('model', 'data.dataset')) {
    const fits = MODEL_DATASETS[v.model as keyof typeof MODEL_DATASETS];
    if (fits && !fits.includes(data.dataset)) {
      const models = MODELS.filter((m) => MODEL_DATASETS[m].includes(data.dataset));
      out.push({
        path: 'model',
        message: `${v.model} is built for ${fits.join(' or ')}, not ${data.dataset}`,
        fix:
          models.length > 0
            ? `use model: ${models.join(' or ')} for ${data.dataset}`
            : `no model for ${data.dataset} is available yet; use dataset: ${fits[0]} with ${v.model}`,
      });
    }
  }

  if (v.models !== null && ok('models', 'model', 'strategy.name', 'data.dataset')) {
    if (v.strategy.name !== 'feddf') {
      out.push({
        path: 'models',
        message: `clients of several architectures are fused by FedDF's distillation, not by ${v.strategy.name}`,
        fix: 'set strategy.name: feddf (and data.serverSamples), or remove models',
      });
    }
    if (!v.models.includes(v.model)) {
      out.push({
        path: 'model',
        message: `model ${v.model} is not one of models (${v.models.join(', ')}); it names the architecture the report headlines`,
        fix: `set model to one of ${v.models.join(', ')}`,
      });
    }
    for (const m of v.models) {
      const fits = MODEL_DATASETS[m as keyof typeof MODEL_DATASETS];
      if (fits && !fits.includes(data.dataset)) {
        out.push({
          path: 'models',
          message: `${m} is built for ${fits.join(' or ')}, not ${data.dataset}`,
          fix: `remove ${m}`,
        });
      }
    }
  }

  if (ok('data.partition', 'data.dataset')) {
    const naturalOnly = NATURAL_ONLY.includes(data.dataset);
    if (naturalOnly && data.partition !== 'natural') {
      out.push({
        path: 'data.partition',
        message: `${data.dataset} comes split into its own clients, so only "natural" applies, got "${data.partition}"`,
        fix: 'set data.partition: natural',
      });
    } else if (!naturalOnly && data.partition === 'natural') {
      out.push({
        path: 'data.partition',
        message: `${data.dataset} has no natural split into clients`,
        fix: 'use iid, shards or dirichlet',
      });
    }
  }

  const natural = data.partition === 'natural';
  if (size && !natural) {
    if (data.partition === 'shards' && ok('data.clients', 'data.shardsPerClient', 'data.shardSize')) {
      const need = data.clients * data.shardsPerClient * data.shardSize;
      if (need > size.train) {
        out.push({
          path: 'data.clients',
          message: `${data.clients} clients × ${data.shardsPerClient} shards × ${data.shardSize} examples needs ${need} examples, ${data.dataset} has ${size.train}`,
          fix: 'lower data.clients, data.shardsPerClient or data.shardSize',
        });
      }
    } else if (ok('data.clients') && data.clients > size.train) {
      out.push({
        path: 'data.clients',
        message: `${data.clients} clients is more than the ${size.train} training examples of ${data.dataset}`,
        fix: `use at most ${size.train} clients`,
      });
    }
  }

  if (size && ok('data.testSubset') && data.testSubset > size.test) {
    out.push({
      path: 'data.testSubset',
      message: `${data.dataset} has ${size.test} test examples, asked for ${data.testSubset}`,
      fix: `use at most ${size.test}, or 0 for the whole test set`,
    });
  }

  if (!natural && ok('strategy.minClients', 'data.clients') && v.strategy.minClients > data.clients) {
    out.push({
      path: 'strategy.minClients',
      message: `${v.strategy.minClients} is more than the ${data.clients} clients of the run`,
      fix: `lower it to at most ${data.clients} or raise data.clients`,
    });
  }

  if (v.strategy.name === 'fedsgd' && ok('strategy.name')) {
    const client = (raw.client ?? {}) as Record<string, unknown>;
    if (client.epochs !== undefined && client.epochs !== 1) {
      out.push({
        path: 'client.epochs',
        message: `FedSGD takes one full-batch gradient step per round, got epochs ${String(client.epochs)}`,
        fix: 'remove client.epochs, or use strategy.name: fedavg for local epochs',
      });
    }
    if (client.batchSize !== undefined && client.batchSize !== 'full' && client.batchSize !== 0) {
      out.push({
        path: 'client.batchSize',
        message: `FedSGD computes each client's gradient on its whole local set, got batchSize ${String(client.batchSize)}`,
        fix: 'remove client.batchSize, or use strategy.name: fedavg for minibatches',
      });
    }
  }
  if (ok('client.compress') && v.client.compress !== null) {
    try {
      parseCompressSpec(v.client.compress);
    } catch (e) {
      const err = e as FederaError;
      out.push({
        path: 'client.compress',
        message: err.message.replace(/ - help: .*$/s, ''),
        fix: err.hint ?? 'use e.g. "qsgd:4", "f16" or "topk:0.01+ef"',
      });
    }
  }
  const serverUser =
    v.strategy.name === 'feddf'
      ? 'strategy feddf distils'
      : v.robust.rule === 'fltrust'
        ? 'robust.rule fltrust trains its root update'
        : undefined;
  if (serverUser && ok('data.serverSamples', 'strategy.name', 'robust.rule') && !(data.serverSamples > 0)) {
    out.push({
      path: 'data.serverSamples',
      message: `${serverUser} on data held out on the server, and none is (data.serverSamples is 0)`,
      fix: natural ? 'use mnist or fashion-mnist, which can hold samples out' : 'set data.serverSamples, e.g. 1000',
    });
  }
  if (size && ok('data.serverSamples') && data.serverSamples >= size.train) {
    out.push({
      path: 'data.serverSamples',
      message: `holding out ${data.serverSamples} samples leaves none of the ${size.train} for the clients`,
      fix: 'hold out a small part, e.g. 1000',
    });
  }
  if (
    v.privacy.sampleClipNorm !== null &&
    v.strategy.name === 'fedsgd' &&
    ok('privacy.sampleClipNorm', 'strategy.name')
  ) {
    out.push({
      path: 'privacy.sampleClipNorm',
      message: 'DP-SGD clips and noises local training steps; FedSGD sends one full-batch gradient',
      fix: 'use strategy.name: fedavg with DP-SGD, or privacy.clipNorm (client-level DP) with FedSGD',
    });
  }
  if ((v.strategy.name === 'fedbuff' || v.strategy.name === 'fedasync') && ok('strategy.name')) {
    const sim = (raw.sim ?? {}) as Record<string, unknown>;
    const bad: [string, boolean, string][] = [
      ['sim.edges', typeof sim.edges === 'number' && sim.edges > 0, 'edge aggregators work on synchronous rounds'],
      ['secure.aggregation', v.secure.aggregation !== 'off', 'secure aggregation is a per-round protocol'],
      ['privacy.clipNorm', v.privacy.clipNorm !== null, 'DP-FedAvg noises a round’s sum'],
      [
        'robust.rule',
        v.robust.rule !== 'none' || v.robust.detector !== 'off',
        'robust rules compare a round’s updates',
      ],
      ['models', v.models !== null, 'FedDF fuses a round’s models'],
    ];
    for (const [path, on, why] of bad) {
      if (on) {
        out.push({
          path,
          message: `${v.strategy.name} applies updates one by one as they arrive; ${why}`,
          fix: `remove ${path}, or use a synchronous strategy such as fedavg`,
        });
      }
    }
  }
  const sec = v.secure.aggregation;
  if (sec !== 'off' && ok('secure.aggregation', 'strategy.name', 'robust', 'client.compress', 'models')) {
    const why = (path: string, message: string, fix: string) => out.push({ path, message, fix });
    const meanBased = ['fedavg', 'fedsgd', 'fedprox', 'fedavgm', 'fedadagrad', 'fedadam', 'fedyogi'];
    if (!meanBased.includes(v.strategy.name)) {
      why(
        'secure.aggregation',
        `${sec} gives the server only the sum of the updates; strategy ${v.strategy.name} needs each client's update`,
        `use a mean-based strategy (${meanBased.join(', ')})`,
      );
    }
    if (v.robust.rule !== 'none' || v.robust.detector !== 'off') {
      why(
        'secure.aggregation',
        `${sec} hides each update, so a robust rule or detector cannot inspect it`,
        "set robust.rule: none and robust.detector: 'off', or secure.aggregation: off",
      );
    }
    if (v.client.compress !== null) {
      why('client.compress', `${sec} needs dense updates`, 'set client.compress: null');
    }
    if (v.models !== null)
      why('models', `${sec} does not combine with clients of several architectures`, 'remove models');
    const p = v.privacy;
    if (p.clipNorm !== null && (sec === 'paillier' || sec === 'ckks')) {
      why(
        'privacy.clipNorm',
        `central DP-FedAvg clips each update on the server, which ${sec} hides`,
        'use secure.aggregation: secagg or secaggPlus (clients add distributed noise before masking), or privacy.clipNorm: null',
      );
    }
    if (p.clipNorm !== null && (p.targetQuantile !== null || p.budget !== null) && sec.startsWith('secagg')) {
      why(
        p.targetQuantile !== null ? 'privacy.targetQuantile' : 'privacy.budget',
        'under secure aggregation the noise is distributed: adaptive clipping and the budget stop are not available',
        'set privacy.targetQuantile and privacy.budget to null (ε is still reported every round)',
      );
    }
  }
  if (ok('robust', 'strategy.name') && (v.robust.rule !== 'none' || v.robust.detector !== 'off')) {
    if (v.strategy.name !== 'fedavg') {
      out.push({
        path: 'robust.rule',
        message: `robust aggregation replaces FedAvg's mean; it does not combine with strategy ${v.strategy.name}`,
        fix: "set strategy.name: fedavg, or robust.rule: none and robust.detector: 'off'",
      });
    }
  }
  return out;
}
