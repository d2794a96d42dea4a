import { type Client, type ClientState, FederaError, subset } from '@federa/core';
import {
  createModel,
  loadPretrained,
  type ModelName,
  prepareTransfer,
  setupBackend,
  TfjsClient,
  TfjsModelAdapter,
} from '@federa/tfjs';
import type { ClientFactory } from '../protocol.js';
import { buildFederation } from './federation.js';
import { architectureOf, architectures, PartClient } from './part-client.js';
import type { ExperimentSpec } from './spec.js';

/**
 * The worker runtime for TF.js experiments: builds the federation and ONE model per
 * thread; each client borrows that model for its turn (see TfjsClient), and gets the state
 * the grid keeps for it between tasks (SCAFFOLD's c_i, Ditto's v_k, FedPer's head).
 */
export async function createClientFactory(spec: ExperimentSpec): Promise<ClientFactory> {
  await setupBackend();
  const fed = await buildFederation(spec);
  const hetero = (spec.models?.length ?? 0) > 0;
  const adapters = new Map<string, TfjsModelAdapter>();
  const adapterFor = async (name: ModelName) => {
    let a = adapters.get(name);
    if (!a) {
      a = new TfjsModelAdapter(hetero ? createModel(name, { seed: spec.seed }) : await createExperimentModel(spec));
      adapters.set(name, a);
    }
    return a;
  };
  if (!hetero) await adapterFor(spec.model);
  else for (const m of architectures(spec)) await adapterFor(m);
  const byId = new Map(fed.clients.map((c, k) => [c.id, { c, k }]));
  return (id: string, state: ClientState): Client => {
    const found = byId.get(id);
    if (!found) throw new FederaError('E_UNKNOWN_CLIENT', `no simulated client '${id}'`);
    const { c, k } = found;
    const test = c.test && fed.clientTest ? subset(fed.clientTest, c.test) : undefined;
    const arch = architectureOf(spec, k);
    const client = new TfjsClient(id, adapters.get(arch) as TfjsModelAdapter, subset(fed.train, c.train), test, state);
    return hetero ? new PartClient(arch, client) : client;
  };
}

/**
 * The model a spec starts from, identical in every thread: the zoo's `spec.model` seeded
 * with `spec.seed`, or with `spec.transfer` the pretrained model read from `transfer.from`,
 * its head re-initialised (`reinitHead`, seeded) and the layers `transfer.freeze` matches
 * frozen. Set the backend up first. Wrap it in a TfjsModelAdapter only after this (the
 * adapter fixes the trainable set when built).
 */
export async function createExperimentModel(spec: ExperimentSpec): Promise<ReturnType<typeof createModel>> {
  const t = spec.transfer;
  if (!t) return createModel(spec.model, { seed: spec.seed });
  return prepareTransfer(await loadPretrained(t.from), {
    freeze: t.freeze ? new RegExp(t.freeze) : null,
    reinitHead: t.reinitHead ?? false,
    seed: spec.seed,
  });
}
