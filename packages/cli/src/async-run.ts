import {
  type AsyncStrategy,
  FedAsync,
  FedBuff,
  type GlobalEvaluator,
  type Grid,
  type RunResult,
  runAsynchronous,
  type Staleness,
  type Weights,
} from '@federa/core';
import type { FederaServer } from '@federa/server';
import type { RunConfig } from './config/index.js';
import type { SimulateHooks } from './run.js';

/** Whether the config names an asynchronous algorithm (FedBuff, FedAsync). */
export function isAsynchronous(c: RunConfig): boolean {
  return c.strategy.name === 'fedbuff' || c.strategy.name === 'fedasync';
}

function staleness(c: RunConfig): Staleness {
  const st = c.strategy;
  switch (st.staleness) {
    case 'constant':
      return { kind: 'constant' };
    case 'polynomial':
      return { kind: 'polynomial', a: st.stalenessA };
    case 'hinge':
      return { kind: 'hinge', a: st.stalenessA, b: st.stalenessB };
  }
}

/** FedBuff or FedAsync with the config's options and the clients' local training. */
export function asyncStrategyFor(c: RunConfig): AsyncStrategy {
  const batchSize = c.client.batchSize === 'full' ? Number.POSITIVE_INFINITY : c.client.batchSize;
  const local = { epochs: c.client.epochs, batchSize, lr: c.client.lr };
  const st = c.strategy;
  return st.name === 'fedasync'
    ? new FedAsync({ ...local, alpha: st.alpha, staleness: staleness(c) })
    : new FedBuff({
        ...local,
        bufferSize: st.bufferSize,
        // FedBuff's own default is 1/√(1+τ); the config's 'polynomial' with a = 0.5 is the same.
        staleness: staleness(c),
        ...(st.serverLr !== null ? { serverLr: st.serverLr } : {}),
      });
}

/** The loop options a config sets for `runAsynchronous`, in simulation and on the server alike. */
export function asyncLoopOptions(c: RunConfig) {
  return {
    strategy: asyncStrategyFor(c),
    seed: c.seed,
    concurrency: c.async.concurrency,
    versions: c.rounds,
    order: c.async.order,
    ...(c.async.maxStaleness !== null ? { maxStaleness: c.async.maxStaleness } : {}),
    evaluateEvery: c.evaluate.every,
  };
}

/**
 * What `federa server` trains for an asynchronous config (`FederaServer.trainAsync`): the
 * loop options above, the run's name and config (a restart with the same ones resumes it),
 * `minClients` to wait for (at the start, and again whenever every client left), the
 * per-task deadline and `stop.accuracy`.
 */
export function asyncPlan(
  c: RunConfig,
  initial: Weights,
  minClients: number,
  deadlineMs: number | undefined,
  evaluate: GlobalEvaluator,
): Parameters<FederaServer['trainAsync']>[0] {
  return {
    ...asyncLoopOptions(c),
    name: c.name,
    config: c,
    initial,
    minClients,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(c.stop.accuracy !== null ? { stopAtAccuracy: c.stop.accuracy } : {}),
    evaluate,
  };
}

/**
 * An asynchronous run on the simulation grid: `async.concurrency` clients train at once,
 * each from the model version current when it started; the run stops at server model
 * version `rounds` (FedBuff: one version per `bufferSize` updates; FedAsync: one per update).
 * Records are per version, so the report and metrics.jsonl read them as rounds.
 */
export async function runAsyncSimulation(
  c: RunConfig,
  grid: Grid,
  initial: Weights,
  evaluate: GlobalEvaluator,
  hooks: SimulateHooks,
): Promise<RunResult> {
  const r = await runAsynchronous({
    ...asyncLoopOptions(c),
    grid,
    initial,
    evaluate,
    ...(c.sim.deadlineMs !== null ? { send: { deadlineMs: c.sim.deadlineMs } } : {}),
    onRecord: async (record, weights) => {
      hooks.onRoundStart?.(record.round, c.async.concurrency);
      await hooks.onRound?.(record, weights);
    },
  });
  const stopReason = r.stopReason === 'aborted' ? 'aborted' : r.stopReason === 'versions' ? 'rounds' : 'strategy';
  return { weights: r.weights, history: r.history, stopReason };
}
