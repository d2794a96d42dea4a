import { readFile, writeFile } from 'node:fs/promises';
import { FederaError, type LabeledData } from '@federa/core';
import { createModel, type ModelName, setupBackend, TfjsClient, TfjsModelAdapter } from '@federa/tfjs';
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
  const identity =
    o.identity ?? (o.identityFile ? await loadOrCreateIdentity(o.identityFile) : await generateIdentity());
  return new FederaClient({
    url: o.url,
    name: o.name,
    identity,
    numExamples: o.data.y.length,
    socket: nodeSocketFactory(o.ca ? { ca: o.ca } : {}),
    ...(o.token ? { token: o.token } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    client: async (welcome) => {
      if (!welcome.model)
        throw new FederaError(
          'E_CONFIG',
          'the server named no model to build',
          'start the server with a model in its config',
        );
      await setupBackend();
      const model = createModel(welcome.model.name as ModelName, { ...(welcome.model.options ?? {}) });
      return new TfjsClient(welcome.clientId, new TfjsModelAdapter(model), o.data, o.test);
    },
  });
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
