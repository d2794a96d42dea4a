// SecAgg+ over the network: whole rounds of `federa server` with real FederaClients on loopback
// (all in this one process, as Flower's simulation runs), plain FedAvg vs FedAvg under SecAgg+
// where every client masks its own update and the server runs the four protocol steps as
// signed tasks. Clients do no training (a fixed update) so the figure is the protocol's cost.
//   npm run bench -- secagg-net [--quick] [--clients N] [--params N] [--rounds N] [--webcrypto]
// --quick: 3 rounds (the first is a warm-up, not counted). Default 10 clients × 100k, 6 rounds.
// Last line: {"bench":"secagg-net","clients":…,"params":…,"plain_ms":…,"secagg_ms":…,"overhead":…,"vs_flower":…,…}
import { FederaClient, nodeSecAggCrypto, nodeSocketFactory } from '@federa/client';
import { type Client, FedAvg, Rng, type Strategy, Weights, withSecureAggregation } from '@federa/core';
import { FederaServer, MemoryStore, NetworkSecAggChannel } from '@federa/server';

const SECRET = 'bench-enrolment-secret';
const args = process.argv.slice(2);
const flag = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const quick = args.includes('--quick');
const n = flag('--clients', 10);
const m = flag('--params', 100_000);
const rounds = flag('--rounds', quick ? 3 : 6);
/** --webcrypto: every party on WebCrypto (as in a browser) instead of node:crypto. */
const webcrypto = args.includes('--webcrypto');

/** A client that answers every round with the same seeded update of |Δ| < 0.01. */
function fixedClient(k: number): Client {
  const rng = new Rng(`bench:${k}`);
  const delta = Float32Array.from({ length: m }, () => (rng.float() - 0.5) / 50);
  return {
    train: async (ins) => {
      const update = new Weights(ins.weights.specs, delta.slice());
      return { clientId: ins.clientId, update, numExamples: 10 + k, metrics: { loss: 1 } };
    },
    evaluate: async (ins) => ({ clientId: ins.clientId, loss: 0.5, numExamples: 10, metrics: {} }),
  };
}

async function run(secure: boolean): Promise<{ roundMs: number[]; bytesUp: number; secaggBytesUp: number }> {
  const server = await FederaServer.start({ store: new MemoryStore(), auth: { tokens: [], secret: SECRET } });
  const clients = Array.from({ length: n }, (_, k) => {
    const c = new FederaClient({
      url: server.url,
      name: `site-${k}`,
      token: SECRET,
      client: fixedClient(k),
      socket: nodeSocketFactory(),
      ...(webcrypto ? {} : { secAggCrypto: nodeSecAggCrypto }),
    });
    c.start();
    return c;
  });
  const fedavg = new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1, evaluateFraction: 0 });
  const strategy: Strategy = secure
    ? withSecureAggregation(fedavg, {
        clip: 0.05,
        mode: 'secagg+',
        channel: new NetworkSecAggChannel(server.hub),
        ...(webcrypto ? {} : { crypto: nodeSecAggCrypto }),
      })
    : fedavg;
  try {
    const r = await server.train({
      name: secure ? 'secagg' : 'plain',
      config: { secure },
      seed: 1,
      rounds,
      strategy,
      initial: new Weights([{ name: 'w', shape: [m] }]),
      minClients: n,
    });
    const counted = r.rounds.slice(1);
    for (const x of r.rounds) {
      if (x.succeeded !== n) throw new Error(`round ${x.round}: ${x.succeeded} of ${n} clients succeeded`);
    }
    return {
      roundMs: counted.map((x) => x.durationMs),
      bytesUp: counted[0]?.bytesUp ?? 0,
      secaggBytesUp: counted[0]?.metrics.train_secagg_bytes_up ?? 0,
    };
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

console.log(
  `SecAgg+ over loopback: ${n} clients × ${m.toLocaleString()} parameters, ${rounds} rounds (first not counted)`,
);
// Alternate the two so that machine noise hits both alike.
const plain: number[] = [];
const secagg: number[] = [];
let plainBytes = 0;
let secaggBytes = 0;
for (let rep = 0; rep < 2; rep++) {
  const p = await run(false);
  plain.push(...p.roundMs);
  plainBytes = p.bytesUp;
  const s = await run(true);
  secagg.push(...s.roundMs);
  secaggBytes = s.secaggBytesUp;
  console.log(
    `  rep ${rep + 1}: plain ${p.roundMs.map((x) => x.toFixed(0)).join(', ')} ms; secagg+ ${s.roundMs.map((x) => x.toFixed(0)).join(', ')} ms`,
  );
}
const plainMs = median(plain);
const secaggMs = median(secagg);
console.log(
  `median round: plain FedAvg ${plainMs.toFixed(0)} ms, SecAgg+ ${secaggMs.toFixed(0)} ms (${(secaggMs / plainMs).toFixed(2)}×)`,
);
console.log(
  `bytes up per round: plain ${(plainBytes / 1024).toFixed(0)} KiB, SecAgg+ messages ${(secaggBytes / 1024).toFixed(0)} KiB`,
);
console.log(
  JSON.stringify({
    bench: 'secagg-net',
    crypto: webcrypto ? 'webcrypto' : 'node',
    clients: n,
    params: m,
    rounds: plain.length / 2,
    plain_ms: Math.round(plainMs),
    secagg_ms: Math.round(secaggMs),
    overhead: Number((secaggMs / plainMs).toFixed(2)),
    vs_flower: Number((1000 / secaggMs).toFixed(2)),
    plain_kib_up: Math.round(plainBytes / 1024),
    secagg_kib_up: Math.round(secaggBytes / 1024),
  }),
);
