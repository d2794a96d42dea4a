import { workerData } from 'node:worker_threads';
import {
  type Config,
  compressUpdate,
  decodeWeights,
  encodePacked,
  encodeWeights,
  errorInfo,
  MemoryClientState,
  type PackedTensor,
  type PackedWeights,
  parseCompressSpec,
  Rng,
  type TrainRes,
  type Weights,
} from '@federa/core';
import type { ClientFactory, RuntimeModule, WorkerReply, WorkerTask } from './protocol.js';

/** Piscina worker: builds its clients once from workerData, then runs one client task per call. */
const { runtime, spec } = workerData as { runtime: string; spec: unknown };
let factory: Promise<ClientFactory> | undefined;

export default async function runTask(task: WorkerTask): Promise<WorkerReply> {
  try {
    factory ??= (import(runtime) as Promise<RuntimeModule>).then((m) => m.createClientFactory(spec));
    const state = new MemoryClientState(
      Object.entries(task.state ?? {}).map(
        ([k, b]) => [k, decodeWeights(b, { copy: true }).weights] as [string, Weights],
      ),
    );
    const client = (await factory)(task.clientId, state);
    const { weights } = decodeWeights(new Uint8Array(task.weights));
    const ins = { clientId: task.clientId, round: task.round, weights, config: task.config };
    if (task.kind === 'train') {
      const r = await client.train(ins);
      const { update, metrics } = encodeUpdate(r, ins, state);
      const saved = state.changed
        ? Object.fromEntries(
            state.entries().map(([k, w]) => [k, encodeWeights(w, { kind: 'weights', round: task.round })]),
          )
        : undefined;
      return {
        ok: true,
        kind: 'train',
        update,
        numExamples: r.numExamples,
        metrics,
        ...(saved ? { state: saved } : {}),
      };
    }
    const r = await client.evaluate(ins);
    return { ok: true, kind: 'evaluate', loss: r.loss, numExamples: r.numExamples, metrics: r.metrics };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/**
 * A dense update as packed tensors, an all-zero tensor (a frozen layer, another
 * architecture's part of a heterogeneous model) sent as 'zeros': no bytes of payload.
 */
function denseOrZeros(w: Weights): PackedWeights {
  return {
    specs: w.specs,
    tensors: w.specs.map((_, i): PackedTensor => {
      const v = w.tensor(i);
      return v.every((x) => x === 0) ? { dtype: 'zeros' } : { dtype: 'float32', values: v };
    }),
  };
}

/**
 * The update on the wire: dense float32, or compressed as the round's config says
 * (`compress`, see parseCompressSpec) with the client's state for error feedback and the
 * config's `seed` for stochastic quantization. The server decodes either without configuration.
 * With skip on, the client reports `compressSkipped` (0 or 1) in its metrics.
 */
function encodeUpdate(
  r: TrainRes,
  ins: { clientId: string; round: number; weights: Weights; config: Config },
  state: MemoryClientState,
): { update: Uint8Array; metrics: TrainRes['metrics'] } {
  const meta = { kind: 'update', round: ins.round } as const;
  const text = ins.config.compress;
  if (text === undefined) return { update: encodePacked(denseOrZeros(r.update), meta), metrics: r.metrics };
  const spec = parseCompressSpec(String(text));
  const seed = typeof ins.config.seed === 'number' ? ins.config.seed : `${ins.clientId}:${ins.round}`;
  const c = compressUpdate(r.update, { spec, rng: new Rng(seed).fork('compress'), global: ins.weights, state });
  const metrics = spec.skip !== undefined ? { ...r.metrics, compressSkipped: c.skipped ? 1 : 0 } : r.metrics;
  return { update: encodePacked(c.packed, meta), metrics };
}
