import { type ClientEvent, FederaClient, nodeSocketFactory } from '@federa/client';
import { blobs, type Client, FedAvg, type LabeledData, Rng, SoftmaxClient, subset } from '@federa/core';
import { FederaServer, type FederaServerOptions } from '../server.js';
import { MemoryStore } from '../store/memory-store.js';

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
