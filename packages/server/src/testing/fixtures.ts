import { type ClientEvent, FederaClient, nodeSocketFactory } from '@federa/client';
import { blobs, type Client, FedAvg, type LabeledData, Rng, SoftmaxClient, type Strategy, subset } from '@federa/core';
import { FederaServer, type FederaServerOptions, type ServerRunResult, type TrainingPlan } from '../server.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';

export const TOKENS = ['token-aaaa-0001', 'token-bbbb-0002', 'token-cccc-0003', 'token-dddd-0004'];

/** Seeded blobs data split across `n` clients (engine-free: SoftmaxClient trains on it). */
export function softmaxShards(n: number, perClient = 60): LabeledData[] {
  const data = blobs(n * perClient, 8, 3, new Rng('server-test'));
  return Array.from({ length: n }, (_, k) =>
    subset(
      data,
      Array.from({ length: perClient }, (_, i) => k * perClient + i),
    ),
  );
}

export const softmaxStrategy = () => new FedAvg({ fraction: 1, epochs: 2, batchSize: 10, lr: 0.1 });
export const softmaxInitial = () => SoftmaxClient.initialWeights(8, 3);

/** A server on a free loopback port with a memory store (unless one is given). */
export function startServer(opts: Partial<FederaServerOptions> = {}): Promise<FederaServer> {
  return FederaServer.start({ store: new MemoryStore(), auth: { tokens: TOKENS }, ...opts });
}

/** A FederaClient over `ws` doing `client`'s work; started. */
export function startClient(
  url: string,
  name: string,
  client: Client,
  opts: { token?: string; events?: ClientEvent[]; numExamples?: number } = {},
): FederaClient {
  const c = new FederaClient({
    url,
    name,
    client,
    token: opts.token ?? TOKENS[Number(name.slice(-1)) % TOKENS.length],
    socket: nodeSocketFactory(),
    backoff: { initialMs: 20, maxMs: 200 },
    ...(opts.numExamples !== undefined ? { numExamples: opts.numExamples } : {}),
    onEvent: (e) => opts.events?.push(e),
  });
  c.start();
  return c;
}

/**
 * The resume scenario: a server on `open()`'s store trains `plan` with one SoftmaxClient per
 * shard and is stopped once round `cutAfter` is stored; the store is closed, reopened (and
 * handed to `afterCut`), and a second server on the same port resumes the run to its end. Returns both results and the
 * reopened store (the caller closes it).
 */
export async function trainStopAndResume<S extends Store>(o: {
  readonly open: () => Promise<S>;
  readonly shards: readonly LabeledData[];
  readonly plan: Omit<TrainingPlan, 'strategy' | 'onRound'>;
  readonly strategy: () => Strategy;
  readonly cutAfter: number;
  readonly server?: Partial<FederaServerOptions>;
  /** Called with the reopened store before the second server starts. */
  readonly afterCut?: (store: S, cut: ServerRunResult) => Promise<void>;
}): Promise<{ cut: ServerRunResult; resumed: ServerRunResult; store: S }> {
  let store = await o.open();
  const first = await startServer({ ...o.server, store });
  const clients = o.shards.map((d, k) => startClient(first.url, `site-${k}`, new SoftmaxClient(d, `site-${k}`)));
  try {
    let stopped: Promise<void> | undefined;
    const cut = await first.train({
      ...o.plan,
      strategy: o.strategy(),
      onRound: (r) => {
        if (r.round === o.cutAfter) stopped = first.stop();
      },
    });
    await stopped;
    await store.close();
    store = await o.open();
    await o.afterCut?.(store, cut);
    const second = await startServer({ ...o.server, store, port: first.port });
    const resumed = await second.train({ ...o.plan, strategy: o.strategy() });
    await second.stop();
    return { cut, resumed, store };
  } finally {
    for (const c of clients) c.stop();
  }
}
