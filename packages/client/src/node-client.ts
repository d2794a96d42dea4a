import { readFile, writeFile } from 'node:fs/promises';
import { type Client, type ClientState, FederaError, type LabeledData, MemoryClientState } from '@federa/core';
import { createModel, type ModelName, setupBackend, TfjsClient, TfjsModelAdapter } from '@federa/tfjs';
import { FileClientState, runBinder } from './node-client-state.js';
import { nodeSecAggCrypto } from './node-secagg-crypto.js';
import { nodeSocketFactory } from './node-socket.js';
import { exportIdentity, generateIdentity, type Identity, importIdentity } from './protocol/signing.js';
import { type ClientEvent, FederaClient } from './runtime.js';

export interface NodeClientOptions {
  readonly url: string;
  readonly name: string;
  readonly token?: string;
  /** This client's local training data. */
  readonly data: LabeledData;
  /** Local test data for evaluation tasks (default: the training data). */
  readonly test?: LabeledData;
  /** A JSON file holding this client's Ed25519 key; created on first use so a restarted client keeps its identity. */
  readonly identityFile?: string;
  readonly identity?: Identity;
  /**
   * A file keeping this client's state across restarts (SCAFFOLD's c_i, Ditto's and FedPer's
   * personal models; see FileClientState): read when the client is created (E_STATE_FILE if
   * it is corrupt), written atomically once the server has accepted the reply of a training
   * task that changed it (a crash before then retrains the task from the old state). The state
   * is tied to the server's run (`runBinder`): a file from another run is emptied when a
   * Welcome (or a task) names the new run. Default: none, the state lives in memory and a
   * restarted process starts it afresh.
   */
  readonly stateFile?: string;
  /** Called when the state file held another run's entries and they were dropped. */
  readonly onStateDropped?: (runId: string, keys: readonly string[]) => void;
  /** PEM of a CA (or self-signed server certificate) to trust for wss://. */
  readonly ca?: string | Buffer;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly onEvent?: (e: ClientEvent) => void;
}

/**
 * A Node client training a TF.js model on local data: it builds the model the server names
 * in Welcome (`{ name, options }` from the zoo), and trains with TfjsClient. Call `start()`.
 *
 * @example
 * const c = await createNodeClient({ url, name: 'site-1', token, data: await loadShard({ dataset: 'mnist', shard: 1, of: 4 }) });
 * c.start(); await c.finished;
 */
export async function createNodeClient(o: NodeClientOptions): Promise<FederaClient> {
  // Opened first, so that a corrupt state file stops the client before it connects.
  const state = o.stateFile ? FileClientState.open(o.stateFile) : new MemoryClientState();
  const bind = state instanceof FileClientState ? runBinder(state, o.onStateDropped) : () => {};
  const identity =
    o.identity ?? (o.identityFile ? await loadOrCreateIdentity(o.identityFile) : await generateIdentity());
  return new FederaClient({
    url: o.url,
    name: o.name,
    identity,
    numExamples: o.data.y.length,
    socket: nodeSocketFactory(o.ca ? { ca: o.ca } : {}),
    secAggCrypto: nodeSecAggCrypto,
    ...(o.token ? { token: o.token } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    onEvent: (e) => {
      bind(e);
      if (e.type === 'accepted' && state instanceof FileClientState) state.flush();
      o.onEvent?.(e);
    },
    client: async (welcome) => {
      bind({ type: 'connected', welcome });
      if (!welcome.model)
        throw new FederaError(
          'E_CONFIG',
          'the server named no model to build',
          'start the server with a model in its config',
        );
      await setupBackend();
      const model = createModel(welcome.model.name as ModelName, { ...(welcome.model.options ?? {}) });
      return withState(new TfjsClient(welcome.clientId, new TfjsModelAdapter(model), o.data, o.test, state), state);
    },
  });
}

/**
 * `client`, whose training tasks hold their FileClientState changes in memory (see `hold`)
 * until the server accepts a reply, so that the task the server sends again after a crash
 * is trained from the state it first started from.
 */
function withState(client: Client, state: ClientState): Client {
  if (!(state instanceof FileClientState)) return client;
  return {
    train: (ins) => {
      state.hold();
      return client.train(ins);
    },
    evaluate: (ins) => client.evaluate(ins),
  };
}

/** Reads the identity in `path`, or creates one there (mode 600). */
export async function loadOrCreateIdentity(path: string): Promise<Identity> {
  try {
    return await importIdentity(JSON.parse(await readFile(path, 'utf8')) as JsonWebKey);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = await generateIdentity();
  await writeFile(path, JSON.stringify(await exportIdentity(id)), { mode: 0o600 });
  return id;
}
