import { createServer } from 'node:net';
import { join } from 'node:path';
import type { RunConfig } from '../config/index.js';
import { clientCommand } from './client.js';
import { serverCommand } from './server.js';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * `federa server` for `config` (database `<dir>/<db>`) plus one `federa client` per token on
 * MNIST shard k/n (at most `maxSamples` samples each, keys in `dir`), all to the end of the
 * run. Returns the log lines of both sides, the database path and the run id.
 */
export async function serveWithClients(
  config: RunConfig,
  o: { readonly dir: string; readonly tokens: readonly string[]; readonly maxSamples?: number; readonly db?: string },
): Promise<{ readonly lines: string[]; readonly db: string; readonly runId: string }> {
  const db = join(o.dir, o.db ?? 'runs.sqlite');
  const port = await freePort();
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const n = o.tokens.length;
  const server = serverCommand(config, {
    db,
    port,
    host: '127.0.0.1',
    tokens: o.tokens,
    minClients: n,
    chunkMb: 0.25,
    log,
  });
  // No wait for the server: clients retry with backoff until it listens.
  const clients = o.tokens.map((token, k) =>
    clientCommand({
      server: `ws://127.0.0.1:${port}/ws`,
      token,
      data: 'mnist',
      shard: `${k}/${n}`,
      seed: config.seed,
      maxSamples: o.maxSamples ?? 60,
      identity: join(o.dir, `k${k}.json`),
      log,
    }),
  );
  await server;
  await Promise.all(clients);
  const runId = (lines.find((l) => l.startsWith('starting run ')) ?? '').split(' ')[2] as string;
  return { lines, db, runId };
}
