import { FederaError, type LabeledData } from '@federa/core';
import { createModel, type ModelName, setupBackend, TfjsClient, TfjsModelAdapter } from '@federa/tfjs';
import { exportIdentity, generateIdentity, type Identity, importIdentity } from '../protocol/signing.js';
import { type ClientEvent, FederaClient } from '../runtime.js';

export interface BrowserClientOptions {
  /** ws:// or wss:// URL of the server's socket (default: `/ws` on the page's own host, see `pageSocketUrl`). */
  readonly url?: string;
  /** The id to be known by (1–128 characters). */
  readonly name: string;
  /** Enrolment token; needed the first time this identity joins. */
  readonly token?: string;
  /** This tab's local training data; it never leaves the tab. */
  readonly data: LabeledData;
  /** Local test data for evaluation tasks (default: the training data). */
  readonly test?: LabeledData;
  /** The client's Ed25519 key (default: kept in localStorage under `identityKey`, else a fresh one). */
  readonly identity?: Identity;
  /** localStorage key holding this tab's identity, so a reload stays the same client (default 'federa.identity.<name>'; '' keeps none). */
  readonly identityKey?: string;
  /** TF.js backend (default 'wasm'; 'cpu' is the slow pure-JS fallback). */
  readonly backend?: 'wasm' | 'cpu';
  /** Folder URL the TF.js .wasm files are served from (default: the folder of this script, i.e. the server's /assets/). */
  readonly wasmPaths?: string;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly onEvent?: (e: ClientEvent) => void;
  /** Receives one line per notable step (backend chosen, ...). */
  readonly log?: (line: string) => void;
}

/** The server socket URL for a page served by the federa server itself: ws(s)://<host>/ws. */
export function pageSocketUrl(path = '/ws'): string {
  const loc = (globalThis as { location?: Location }).location;
  if (!loc) throw new FederaError('E_PLATFORM', 'pageSocketUrl needs a page (globalThis.location)', 'pass `url`');
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${path}`;
}

/**
 * Joins a federated run from a browser tab: sets up TF.js (WASM backend, .wasm files from the
 * server's /assets/), builds the model the server names in Welcome and trains it on `data`
 * with TfjsClient, over the global WebSocket. Returns the started FederaClient; await its
 * `finished` for the end of the run, call `stop()` to leave.
 *
 * @example
 * const client = await startBrowserClient({ name: 'tab-1', token, data });
 * await client.finished;
 */
export async function startBrowserClient(o: BrowserClientOptions): Promise<FederaClient> {
  const identity = o.identity ?? (await storedIdentity(o.identityKey ?? `federa.identity.${o.name}`));
  // The backend is ready before connecting: the model is then built synchronously when the
  // server's Welcome names it, before any task can arrive.
  await setupBackend({
    prefer: o.backend ?? 'wasm',
    wasmPaths: o.wasmPaths ?? defaultWasmPaths(),
    ...(o.log ? { log: o.log } : {}),
  });
  const client = new FederaClient({
    url: o.url ?? pageSocketUrl(),
    name: o.name,
    identity,
    numExamples: o.data.y.length,
    ...(o.token ? { token: o.token } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    client: (welcome) => {
      if (!welcome.model) {
        throw new FederaError('E_CONFIG', 'the server named no model to build', 'start the server with a model');
      }
      const model = createModel(welcome.model.name as ModelName, { ...(welcome.model.options ?? {}) });
      return new TfjsClient(welcome.clientId, new TfjsModelAdapter(model), o.data, o.test);
    },
  });
  client.start();
  return client;
}

/** The folder this bundle was loaded from (where the server also serves the .wasm files). */
function defaultWasmPaths(): string {
  return new URL('./', import.meta.url).href;
}

async function storedIdentity(key: string): Promise<Identity> {
  const store = (globalThis as { localStorage?: Storage }).localStorage;
  if (key === '' || !store) return generateIdentity();
  const saved = store.getItem(key);
  if (saved) {
    try {
      return await importIdentity(JSON.parse(saved) as JsonWebKey);
    } catch {
      // A corrupt entry: replace it with a fresh identity below.
    }
  }
  const id = await generateIdentity();
  store.setItem(key, JSON.stringify(await exportIdentity(id)));
  return id;
}
