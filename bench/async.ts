// Asynchronous vs synchronous training under heterogeneous client speeds: FedAvg (10 clients
// per round, a round waits for its slowest client) vs FedBuff (K = 10, concurrency 10) vs
// FedAsync (α = 0.6, s(τ) = (τ+1)^-0.5, concurrency 10), on 50 label-skewed softmax clients
// (Gaussian blobs, engine-free). Every client's reply is delayed by a fixed seeded log-normal
// time d_k = median·exp(σ·z_k) (DelayedGrid), so slow clients stay slow. Each algorithm runs
// for the same wall-clock budget; prints test accuracy against elapsed time.
//   npm run bench -- async [--quick] [--sigma S] [--median MS]
// --quick: a 1.5 s budget per algorithm (default 6 s).
// Last line: {"bench":"async","budget_ms":…,"final":{…},"updates":{…},"ms_to_target":{…},…}
import {
  blobs,
  type Client,
  type ClientInfo,
  DelayedGrid,
  evaluateSoftmax,
  FedAsync,
  FedAvg,
  FedBuff,
  LocalGrid,
  Rng,
  runAsynchronous,
  runFederated,
  SoftmaxClient,
  subset,
  type Weights,
} from '@federa/core';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const budgetMs = quick ? 1500 : 6000;
const sigma = arg('--sigma', 1);
const medianMs = arg('--median', 20);
const CLIENTS = 50;
const PER = 40;
const FEATURES = 10;
const CLASSES = 5;
const TARGETS = [0.75, 0.8];

// 50 clients, each with 80% of its samples from one class (label skew), and an IID test set.
const rng = new Rng(11);
const pool = blobs(CLIENTS * PER * 2 + 1000, FEATURES, CLASSES, rng, 4);
const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
for (let i = 1000; i < pool.y.length; i++) byClass[pool.y[i] as number]?.push(i);
const test = subset(
  pool,
  Array.from({ length: 1000 }, (_, i) => i),
);
const pairs: [ClientInfo, Client][] = [];
for (let k = 0; k < CLIENTS; k++) {
  const idx: number[] = [];
  for (let j = 0; j < PER; j++) {
    const c = j < 0.8 * PER ? k % CLASSES : (k + 1 + (j % (CLASSES - 1))) % CLASSES;
    idx.push(byClass[c]?.pop() as number);
  }
  pairs.push([{ id: `c${k}`, numExamples: PER }, new SoftmaxClient(subset(pool, idx), `c${k}`)]);
}
const w0 = SoftmaxClient.initialWeights(FEATURES, CLASSES);
const evaluate = async (w: Weights) => evaluateSoftmax(w, test);
const train = { epochs: 1, batchSize: 10, lr: 0.003 };
const grid = () => new DelayedGrid(new LocalGrid(pairs), { medianMs, sigma, seed: 3 });
const delays = pairs.map(([n]) => grid().delayOf(n.id)).sort((a, b) => a - b);
console.log(
  `client delays (ms): min ${delays[0]?.toFixed(1)}, median ${delays[CLIENTS / 2]?.toFixed(1)}, max ${delays[CLIENTS - 1]?.toFixed(1)}; budget ${budgetMs} ms each`,
);

type Curve = { ms: number; accuracy: number; updates: number }[];
const curves: Record<string, Curve> = {};

{
  const t0 = performance.now();
  const curve: Curve = [];
  let updates = 0;
  await runFederated({
    grid: grid(),
    strategy: new FedAvg({ fraction: 0.2, ...train }),
    initial: w0,
    rounds: 100000,
    seed: 1,
    evaluate,
    signal: AbortSignal.timeout(budgetMs),
    onRound: (r) => {
      updates += r.succeeded;
      curve.push({ ms: performance.now() - t0, accuracy: r.accuracy, updates });
    },
  });
  curves.fedavg = curve;
}
const asyncRuns = {
  fedbuff: { strategy: new FedBuff({ ...train, bufferSize: 10 }), evaluateEvery: 1 },
  fedasync: {
    strategy: new FedAsync({ ...train, alpha: 0.6, staleness: { kind: 'polynomial', a: 0.5 } }),
    evaluateEvery: 10,
  },
};
for (const [key, a] of Object.entries(asyncRuns)) {
  const r = await runAsynchronous({
    grid: grid(),
    strategy: a.strategy,
    initial: w0,
    seed: 1,
    concurrency: 10,
    evaluate,
    evaluateEvery: a.evaluateEvery,
    recordEvery: a.evaluateEvery,
    signal: AbortSignal.timeout(budgetMs),
  });
  curves[key] = r.records
    .filter((x) => Number.isFinite(x.accuracy))
    .map((x) => ({ ms: x.elapsedMs, accuracy: x.accuracy, updates: x.updates }));
  const tau = r.records.filter((x) => x.succeeded > 0);
  const meanTau = tau.reduce((s, x) => s + x.stalenessMean * x.succeeded, 0) / tau.reduce((s, x) => s + x.succeeded, 0);
  console.log(`${key}: ${r.updates} updates, ${r.version} versions, mean staleness ${meanTau.toFixed(2)}`);
}

const at = (c: Curve, ms: number) => [...c].reverse().find((p) => p.ms <= ms)?.accuracy ?? Number.NaN;
const keys = Object.keys(curves);
console.log('\ntest accuracy by wall-clock time\n');
console.log(`| ms | ${keys.join(' | ')} |`);
console.log(`|---|${keys.map(() => '---').join('|')}|`);
for (const f of [0.125, 0.25, 0.5, 0.75, 1]) {
  const ms = Math.round(f * budgetMs);
  console.log(`| ${ms} | ${keys.map((k) => at(curves[k] ?? [], ms).toFixed(3)).join(' | ')} |`);
}
const final = Object.fromEntries(keys.map((k) => [k, Number((curves[k]?.at(-1)?.accuracy ?? Number.NaN).toFixed(4))]));
const updates = Object.fromEntries(keys.map((k) => [k, curves[k]?.at(-1)?.updates ?? 0]));
const msToTarget = Object.fromEntries(
  TARGETS.map((t) => [
    t,
    Object.fromEntries(
      keys.map((k) => [k, Math.round(curves[k]?.find((p) => p.accuracy >= t)?.ms ?? Number.NaN) || null]),
    ),
  ]),
);
console.log(`\nupdates applied: ${JSON.stringify(updates)}; ms to accuracy: ${JSON.stringify(msToTarget)}`);
console.log(
  JSON.stringify({
    bench: 'async',
    budget_ms: budgetMs,
    sigma,
    median_ms: medianMs,
    targets: TARGETS,
    final,
    updates,
    ms_to_target: msToTarget,
  }),
);
