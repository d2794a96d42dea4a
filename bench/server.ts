// The networked server under load, on loopback: (1) rounds/s and the server's RSS with 1,000
// concurrent lightweight clients (a 1,010-parameter model; every client signs its reply) in a
// child process; (2) the time to send a 100 MB model to 10 clients (chunked, 1 MiB frames).
//   npm run bench -- server [--quick]        (--quick: 200 clients, a 20 MB model)
// Last line: {"bench":"server","clients":…,"rounds_per_s":…,"round_ms":…,"rss_mb":…,"connect_s":…,"model_mb":…,"to_10_clients_s":…,"mb_per_s":…}
import { spawn } from 'node:child_process';
import { CLOSE, FederaClient, nodeSocketFactory } from '@federa/client';
import { type Client, FedAvg, Weights } from '@federa/core';
import { FederaServer, MemoryStore } from '@federa/server';

const SECRET = 'bench-enrolment-secret';

/** A client that does no training: the bench measures the server and the protocol. */
const trivial: Client = {
  train: async (ins) => {
    const update = ins.weights.zerosLike();
    update.data.fill(0.001);
    return { clientId: ins.clientId, update, numExamples: 10, metrics: { loss: 1 } };
  },
  evaluate: async (ins) => ({ clientId: ins.clientId, loss: 0.5, numExamples: 10, metrics: { accuracy: 0.5 } }),
};

/** Child mode: `count` FederaClients; prints "online" once all are welcomed. */
async function clients(o: { url: string; count: number; prefix: string }): Promise<void> {
  let online = 0;
  const all = Array.from({ length: o.count }, (_, k) => {
    const c = new FederaClient({
      url: o.url,
      name: `${o.prefix}-${k}`,
      token: SECRET,
      client: trivial,
      socket: nodeSocketFactory({ maxPayload: 4 << 20 }),
      backoff: { initialMs: 100, maxMs: 2000 },
      onEvent: (e) => {
        if (e.type === 'connected' && ++online === o.count) process.stdout.write('online\n');
      },
    });
    c.start();
    return c;
  });
  await Promise.all(all.map((c) => c.finished));
}

function spawnClients(url: string, count: number, prefix: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/server.ts', '--clients', JSON.stringify({ url, count, prefix })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const online = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('online')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`client process exited (${code})`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, online, exited };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const N = quick ? 200 : 1000;
  const ROUNDS = quick ? 3 : 5;
  const MODEL_MB = quick ? 20 : 100;

  // 1. Many clients, small model.
  const server = await FederaServer.start({
    store: new MemoryStore(),
    auth: { secret: SECRET },
    rate: { perSecond: 1000, burst: 5000 },
  });
  const t0 = performance.now();
  const swarm = spawnClients(server.url, N, 'c');
  await swarm.online;
  const connectS = (performance.now() - t0) / 1000;
  console.log(`server: ${N} clients online in ${connectS.toFixed(1)} s`);
  let rss = 0;
  const sampler = setInterval(() => {
    rss = Math.max(rss, process.memoryUsage().rss);
  }, 50);
  const initial = new Weights([
    { name: 'w', shape: [100, 10] },
    { name: 'b', shape: [10] },
  ]);
  const r = await server.train({
    name: 'bench',
    config: { N },
    seed: 1,
    rounds: ROUNDS,
    strategy: new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1 }),
    initial,
    minClients: N,
    onRound: (rec) =>
      console.log(
        `server: round ${rec.round}: ${rec.succeeded}/${rec.sampled} replies in ${rec.durationMs.toFixed(0)} ms`,
      ),
  });
  clearInterval(sampler);
  await server.stop();
  await swarm.exited;
  const totalMs = r.rounds.reduce((s, x) => s + x.durationMs, 0);
  const ok = r.rounds.every((x) => x.succeeded === N);
  if (!ok) throw new Error(`not every client answered: ${r.rounds.map((x) => x.succeeded).join(', ')}`);
  const roundsPerS = (r.rounds.length * 1000) / totalMs;
  const rssMb = rss / 2 ** 20;
  console.log(`server: ${roundsPerS.toFixed(2)} rounds/s with ${N} clients; peak RSS ${rssMb.toFixed(0)} MB`);

  // 2. One big model to 10 clients.
  const big = await FederaServer.start({ store: new MemoryStore(), auth: { secret: SECRET } });
  const ten = spawnClients(big.url, 10, 'big');
  await ten.online;
  const n = (MODEL_MB * 1e6) / 4;
  const w = new Weights([{ name: 'w', shape: [n] }]);
  const ins = big.hub.online().map((c) => ({ clientId: c.id, round: 1, weights: w, config: {} }));
  const t1 = performance.now();
  let done = 0;
  for await (const o of big.hub.dispatch(ins, 'evaluate')) {
    if (!o.ok) throw new Error(`${o.clientId}: ${o.error.message}`);
    done++;
  }
  const moveS = (performance.now() - t1) / 1000;
  console.log(
    `server: ${MODEL_MB} MB model to ${done} clients in ${moveS.toFixed(2)} s (${((MODEL_MB * done) / moveS).toFixed(0)} MB/s)`,
  );
  big.hub.shutdown(CLOSE.finished, 'bench done');
  await big.stop();
  await ten.exited;
  console.log(
    JSON.stringify({
      bench: 'server',
      clients: N,
      rounds: r.rounds.length,
      rounds_per_s: +roundsPerS.toFixed(3),
      round_ms: +(totalMs / r.rounds.length).toFixed(1),
      rss_mb: +rssMb.toFixed(1),
      connect_s: +connectS.toFixed(2),
      model_mb: MODEL_MB,
      to_10_clients_s: +moveS.toFixed(3),
      mb_per_s: +((MODEL_MB * done) / moveS).toFixed(1),
    }),
  );
}

const at = process.argv.indexOf('--clients');
if (at >= 0) await clients(JSON.parse(process.argv[at + 1] as string));
else await main();
