import { resolve } from 'node:path';
import {
  AnomalyDetector,
  Bulyan,
  CenteredClip,
  CoordinateMedian,
  clientMetricSpread,
  Ditto,
  expandEdgeRecords,
  FedAdagrad,
  FedAdam,
  FedAvg,
  FedAvgM,
  type FedAvgOptions,
  FederaError,
  FedNova,
  FedPer,
  FedProx,
  FedRep,
  FedSGD,
  FedYogi,
  FLTrust,
  type GlobalEvaluator,
  type Grid,
  Krum,
  type LabeledData,
  labelCounts,
  Mean,
  MultiKrum,
  NormBound,
  QFedAvg,
  RobustFedAvg,
  type RobustRule,
  type RunOptions,
  type RunResult,
  runFederated,
  Scaffold,
  type SecAggChannel,
  type Strategy,
  TrimmedMean,
  type Weights,
  withCompression,
} from '@federa/core';
import {
  type AttackSpec,
  backdoorTestSet,
  buildFederation,
  createExperimentModel,
  type ExperimentSpec,
  type Federation,
  maliciousClients,
  PoolGrid,
  TFJS_RUNTIME,
  type TransferSpec,
  withComputeBudget,
  withEdges,
  withModelAttack,
  withStragglers,
} from '@federa/sim';
import {
  type BackendInfo,
  FedDF,
  FedDFHetero,
  type PrototypeFuser,
  setupBackend,
  TfjsModelAdapter,
  tfjsDistiller,
} from '@federa/tfjs';
import { isAsynchronous, runAsyncSimulation } from './async-run.js';
import type { RunConfig } from './config/index.js';
import { heteroServer } from './hetero.js';
import { createProgress } from './progress/index.js';
import { protect } from './protect.js';
import { type RunSummary, renderReport, summarizeRun } from './report/index.js';
import { RunDir } from './run-dir/index.js';

export interface RunCommandOptions {
  readonly overwrite?: boolean;
  /** Where progress goes (default stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly log?: (line: string) => void;
}

export interface RunOutcome {
  readonly dir: string;
  readonly summary: RunSummary;
}

/** The experiment spec (what every worker rebuilds) of a run config. */
export function experimentSpec(c: RunConfig): ExperimentSpec {
  const d = c.data;
  return {
    seed: c.seed,
    dataset: d.dataset,
    partition: d.partition,
    clients: d.clients,
    shardsPerClient: d.shardsPerClient,
    shardSize: d.shardSize,
    alpha: d.alpha,
    synthetic: d.synthetic,
    testSubset: d.testSubset,
    serverSamples: d.serverSamples,
    maxClientSamples: d.maxClientSamples,
    stride: d.stride,
    maxClients: d.maxClients,
    model: c.model,
    ...(c.models !== null ? { models: c.models } : {}),
    ...(d.labels !== null ? { labels: d.labels } : {}),
    ...(c.transfer.from !== null ? { transfer: transferSpec(c) } : {}),
    ...(c.attack.kind !== 'none' && c.attack.fraction > 0 ? { attack: attackSpec(c) } : {}),
  };
}

/** Where a run's pretrained model comes from (path made absolute) and how it is readied. */
function transferSpec(c: RunConfig): TransferSpec {
  const t = c.transfer;
  return {
    from: resolve(t.from ?? ''),
    ...(t.freeze !== null ? { freeze: t.freeze } : {}),
    reinitHead: t.reinitHead,
  };
}

/** The attack a run config simulates. */
export function attackSpec(c: RunConfig): AttackSpec {
  const a = c.attack;
  return {
    kind: a.kind,
    fraction: a.fraction,
    noiseStd: a.noiseStd,
    target: a.target,
    poisonFraction: a.poisonFraction,
    ...(a.scale !== null ? { scale: a.scale } : {}),
    ...(a.z !== null ? { z: a.z } : {}),
  };
}

/** What the server's own training works with: FedDF's distillation, FLTrust's root update. */
export interface ServerSide {
  /** The samples held out on the server (data.serverSamples). */
  readonly data?: LabeledData;
  /** A model of the run's architecture for the server to train (not the one that evaluates). */
  readonly adapter?: TfjsModelAdapter;
  /** A heterogeneous federation (config `models`): who trains what, and FedDF's fusion. */
  readonly hetero?: { readonly architectureOf: (clientId: string) => string; readonly fuse: PrototypeFuser };
  /** The network server's SecAgg channel: secure aggregation runs with the real clients. */
  readonly secAggChannel?: SecAggChannel;
}

/**
 * The strategy a run config names, with its options (and update compression, when asked
 * for). FedDF and FLTrust also need `server`: the held-out data and a model to train on it.
 */
export function strategyFor(c: RunConfig, server: ServerSide = {}): Strategy {
  const s = protect(c, baseStrategy(c, server), server.secAggChannel);
  return c.client.compress !== null ? withCompression(s, c.client.compress) : s;
}

function baseStrategy(c: RunConfig, server: ServerSide): Strategy {
  const st = c.strategy;
  const sampling = { fraction: st.fraction, minClients: st.minClients };
  const evaluateFraction = c.evaluate.fraction;
  if (st.name === 'fedsgd') return new FedSGD({ ...sampling, lr: c.client.lr, evaluateFraction });
  const batchSize = c.client.batchSize === 'full' ? Number.POSITIVE_INFINITY : c.client.batchSize;
  const base = {
    ...sampling,
    epochs: c.client.epochs,
    batchSize,
    lr: c.client.lr,
    evaluateFraction,
    ...(st.serverLr !== null ? { serverLr: st.serverLr } : {}),
  };
  const adaptive = { ...base, tau: st.tau };
  switch (st.name) {
    case 'fedavg':
      return c.robust.rule === 'none' && c.robust.detector === 'off' ? new FedAvg(base) : robustFedAvg(c, base, server);
    case 'fedprox':
      return new FedProx({ ...base, mu: st.mu, dropStragglers: st.dropStragglers });
    case 'fednova':
      return new FedNova(base);
    case 'fedavgm':
      return new FedAvgM({ ...base, momentum: st.momentum });
    case 'fedadagrad':
      return new FedAdagrad(adaptive);
    case 'fedadam':
      return new FedAdam({ ...adaptive, beta1: st.beta1, beta2: st.beta2 });
    case 'fedyogi':
      return new FedYogi({ ...adaptive, beta1: st.beta1, beta2: st.beta2 });
    case 'qfedavg':
      return new QFedAvg({ ...base, q: st.q });
    case 'scaffold':
      return new Scaffold(base);
    case 'ditto':
      return new Ditto({ ...base, lambda: st.lambda });
    case 'fedper':
      return new FedPer({ ...base, personalLayers: st.personalLayers });
    case 'fedrep':
      return new FedRep({ ...base, personalLayers: st.personalLayers, headEpochs: st.headEpochs });
    case 'fedbuff':
    case 'fedasync':
      throw new FederaError(
        'E_CONFIG',
        `${st.name} is asynchronous: it has no synchronous rounds to build a Strategy for`,
        'run it with simulate() (runAsyncSimulation), or use asyncStrategyFor(config)',
      );
    case 'feddf': {
      if (server.hetero) return new FedDFHetero({ ...base, ...server.hetero });
      const { data, adapter } = needServer(server, 'strategy feddf distils on the server');
      const d = c.distill;
      const distiller = tfjsDistiller({
        adapter,
        unlabeled: data,
        seed: c.seed,
        steps: d.steps,
        batchSize: d.batchSize,
        lr: d.lr,
        temperature: d.temperature,
      });
      return new FedDF({ ...base, distiller });
    }
  }
}

function needServer(server: ServerSide, what: string): Required<Pick<ServerSide, 'data' | 'adapter'>> {
  if (!server.data || server.data.y.length === 0 || !server.adapter) {
    throw new FederaError(
      'E_CONFIG',
      `${what} and needs server-side data, but the run holds none out`,
      'set data.serverSamples, e.g. 1000',
    );
  }
  return { data: server.data, adapter: server.adapter };
}

/**
 * FLTrust's g₀: the server trains w_t on its root dataset as a client would (the run's E, B
 * and lr, seeded by round) and returns w − w_t.
 */
function rootUpdate(c: RunConfig, server: ServerSide) {
  const { data, adapter } = needServer(server, 'robust.rule fltrust scores updates against a root update');
  const batchSize = c.client.batchSize === 'full' ? data.y.length : c.client.batchSize;
  return async (global: Weights, round: number) => {
    adapter.setWeights(global);
    await adapter.train(data, { epochs: c.client.epochs, batchSize, lr: c.client.lr, seed: c.seed * 1000 + round });
    return adapter.getWeights().minus(global);
  };
}

/** FedAvg with the robust rule and/or the anomaly detector the config names. */
function robustFedAvg(c: RunConfig, base: FedAvgOptions, server: ServerSide): RobustFedAvg {
  const r = c.robust;
  const rules: Record<Exclude<RunConfig['robust']['rule'], 'none'>, () => RobustRule> = {
    krum: () => new Krum({ f: r.f }),
    multikrum: () => new MultiKrum({ f: r.f }),
    median: () => new CoordinateMedian(),
    trimmedMean: () => new TrimmedMean({ fraction: r.trim }),
    bulyan: () => new Bulyan({ f: r.f }),
    normBound: () => new NormBound({ maxNorm: r.maxNorm }),
    centeredClip: () => new CenteredClip({ tau: r.tau }),
    fltrust: () => new FLTrust({ rootUpdate: rootUpdate(c, server) }),
  };
  return new RobustFedAvg({
    ...base,
    rule: r.rule === 'none' ? new Mean() : rules[r.rule](),
    ...(r.detector !== 'off' ? { detector: new AnomalyDetector({ policy: r.detector }) } : {}),
  });
}

export interface SimulateHooks {
  readonly log?: (line: string) => void;
  readonly onRoundStart?: RunOptions['onRoundStart'];
  readonly onClientDone?: RunOptions['onClientDone'];
  readonly onRound?: RunOptions['onRound'];
}

/** The final global model on one client's local data. */
export interface ClientEvaluation {
  readonly accuracy: number;
  readonly loss: number;
  readonly personalAccuracy?: number;
}

export interface Simulation {
  readonly result: RunResult;
  /** Per client, when `evaluate.clients` is on (clients that failed to evaluate are absent). */
  readonly clientEval: ReadonlyMap<string, ClientEvaluation>;
  readonly federation: Federation;
  /** A model holding the final global weights (call dispose() when done). */
  readonly model: TfjsModelAdapter;
  readonly backend: BackendInfo;
  /** The clients simulated as attackers (empty without an attack). */
  readonly attackers: ReadonlySet<string>;
}

/**
 * Trains the federation a config describes on a pool of worker threads, evaluating the
 * global model on the test set as configured. Writes nothing; `runCommand` adds the run
 * folder, the progress display and the report.
 */
export async function simulate(config: RunConfig, hooks: SimulateHooks = {}): Promise<Simulation> {
  const log = hooks.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const backend = await setupBackend({ log });
  const spec = experimentSpec(config);
  const federation = await buildFederation(spec);
  const model = new TfjsModelAdapter(await createExperimentModel(spec));
  const hetero = await heteroServer(config, spec, federation, model);
  const initial = hetero?.initial ?? model.getWeights();
  const serverModel =
    federation.server && needsServerModel(config) ? new TfjsModelAdapter(await createExperimentModel(spec)) : undefined;
  log(
    `federa: ${config.name}: ${hetero ? hetero.architectures.join(' + ') : config.model} (${initial.size.toLocaleString('en')} parameters) on ${config.data.dataset}, ` +
      `${federation.clients.length} clients (${config.data.partition}), ${config.strategy.name}, up to ${config.rounds} rounds`,
  );
  if (spec.transfer) {
    const frozen = model.model.layers.filter((l) => !l.trainable && l.weights.length > 0).map((l) => l.name);
    log(`transfer: from ${spec.transfer.from}; frozen layers: ${frozen.length > 0 ? frozen.join(', ') : 'none'}`);
  }
  const pool = new PoolGrid({
    nodes: federation.clients.map((c) => ({ id: c.id, numExamples: c.train.length })),
    runtime: TFJS_RUNTIME,
    spec,
    workers: config.sim.workers,
  });
  let grid: Grid = pool;
  let attackers: ReadonlySet<string> = new Set();
  if (spec.attack) {
    const malicious = maliciousClients(
      federation.clients.map((c) => c.id),
      spec.attack.fraction,
      config.seed,
    );
    log(`attack: ${spec.attack.kind} by ${malicious.size} malicious clients`);
    attackers = malicious;
    grid = withModelAttack(grid, spec.attack, malicious, config.seed);
  }
  if (config.sim.stragglers > 0) grid = withStragglers(grid, { fraction: config.sim.stragglers, seed: config.seed });
  if (config.sim.computeSteps !== null) {
    grid = withComputeBudget(grid, {
      medianSteps: config.sim.computeSteps,
      spread: config.sim.computeSpread,
      seed: config.seed,
    });
  }
  if (config.sim.edges > 0) grid = withEdges(grid, config.sim.edges);
  const backdoor =
    spec.attack?.kind === 'backdoor' ? backdoorTestSet(federation.test, spec.attack.target ?? 0) : undefined;
  const server: ServerSide = {
    ...(federation.server ? { data: federation.server } : {}),
    ...(serverModel ? { adapter: serverModel } : {}),
    ...(hetero ? { hetero } : {}),
  };
  try {
    const evaluate: GlobalEvaluator = async (w) => {
      const on = config.evaluate.on === 'train' ? federation.train : federation.test;
      model.setWeights(hetero ? hetero.headline(w) : w);
      const r = await model.evaluate(on);
      const metrics: Record<string, number> = { macroF1: r.macroF1, ...(await hetero?.evaluateOthers(w, on)) };
      if (backdoor) metrics.backdoorAsr = (await model.evaluate(backdoor)).accuracy;
      return { loss: r.loss, accuracy: r.accuracy, metrics };
    };
    const result = isAsynchronous(config)
      ? await runAsyncSimulation(config, grid, initial, evaluate, hooks)
      : await runFederated({
          grid,
          strategy: config.sim.edges > 0 ? expandEdgeRecords(strategyFor(config, server)) : strategyFor(config, server),
          initial,
          rounds: config.rounds,
          seed: config.seed,
          evaluateEvery: config.evaluate.every,
          ...(config.sim.deadlineMs !== null ? { send: { deadlineMs: config.sim.deadlineMs } } : {}),
          ...(config.stop.accuracy !== null ? { stopAtAccuracy: config.stop.accuracy } : {}),
          evaluate,
          ...hooks,
        });
    model.setWeights(hetero ? hetero.headline(result.weights) : result.weights);
    const clientEval = config.evaluate.clients ? await evaluateClients(grid, result) : new Map();
    return { result, clientEval, federation, model, backend, attackers };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    serverModel?.dispose();
    hetero?.dispose();
    await pool.close();
  }
}

/** Whether the run's server trains a model of its own (FedDF, FLTrust). */
function needsServerModel(c: RunConfig): boolean {
  return (c.strategy.name === 'feddf' && c.models === null) || c.robust.rule === 'fltrust';
}

/** Every client scores the final global model (and its personal model, if any) on its own data. */
async function evaluateClients(grid: Grid, result: RunResult): Promise<Map<string, ClientEvaluation>> {
  const round = (result.history.last?.round ?? 0) + 1;
  const ins = grid
    .nodes()
    .map((n) => ({ clientId: n.id, round, weights: result.weights, config: { batchSize: 1000 } }));
  const out = new Map<string, ClientEvaluation>();
  for await (const o of grid.evaluate(ins)) {
    if (!o.ok) continue;
    const { metrics, loss } = o.value;
    const personal = metrics.personalAccuracy;
    out.set(o.clientId, {
      accuracy: metrics.accuracy ?? Number.NaN,
      loss,
      ...(personal !== undefined ? { personalAccuracy: personal } : {}),
    });
  }
  return out;
}

/**
 * `federa run`: `simulate` with progress on screen, then the run folder: config.json,
 * metrics.jsonl and clients.jsonl as rounds finish, then model/, summary.json, report.html.
 */
export async function runCommand(config: RunConfig, opts: RunCommandOptions = {}): Promise<RunOutcome> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const dirPath = config.output.dir ?? `runs/${config.name}`;
  const dir = await RunDir.create(dirPath, { name: config.name, overwrite: opts.overwrite ?? false });
  await dir.writeConfig(config);
  const progress = createProgress({ rounds: config.rounds, ...(opts.stream ? { stream: opts.stream } : {}) });
  const {
    result,
    clientEval,
    federation: fed,
    model,
    backend,
    attackers,
  } = await simulate(config, {
    log,
    onRoundStart: (round, n) => progress.roundStart(round, n),
    onClientDone: (round, done, total) => progress.clientDone(round, done, total),
    onRound: async (record) => {
      await dir.appendRound(record);
      progress.roundEnd(record);
    },
  });
  try {
    const finalEval = await model.evaluate(fed.test);
    await dir.writeModel(await model.toArtifacts());
    const summary = summarizeRun({
      config,
      history: result.history.rounds,
      numClients: fed.clients.length,
      wallMs: performance.now() - t0,
      backend: backend.name,
      startedAt,
    });
    const accuracies = [...clientEval.values()].map((e) => e.accuracy).filter(Number.isFinite);
    const full = accuracies.length > 0 ? { ...summary, clientAccuracy: clientMetricSpread(accuracies) } : summary;
    await dir.writeSummary(full);
    const clients = fed.clients.map((c) => ({
      id: c.id,
      ...clientEval.get(c.id),
      numExamples: c.train.length,
      labelCounts: labelCounts(
        c.train.map((i) => fed.train.y[i] as number),
        fed.train.numClasses,
      ),
    }));
    const report = await dir.writeReport(
      renderReport({ config, history: result.history.rounds, clients, summary: { ...full }, finalEval, attackers }),
    );
    await dir.flush();
    progress.finish(summary, report);
    return { dir: dirPath, summary };
  } finally {
    model.dispose();
  }
}
