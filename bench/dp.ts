// Differential privacy on MNIST with the 2NN (784-200-200-10): test accuracy at ε ≈ 1, 2, 8
// (δ = 1e-5) for two mechanisms, each beside its non-private baseline run the same way.
//
// - Sample-level DP-SGD (Abadi et al. 2016) in a few silos: MNIST's 60,000 training images
//   split IID over `--silos` silos (default 4 × 15,000); every round each silo runs E = 1 epoch
//   of DP-SGD (Poisson lots of expected size B, per-example clipping to C, noise σ·C) and
//   FedAvg averages the silos. σ is the smallest noise multiplier for which each silo's
//   examples are (ε, δ)-DP after all the rounds (RDP accountant, q = B/N_k,
//   T·E·⌈N_k/B⌉ steps; dpSgdNoiseMultiplier).
// - Client-level DP-FedAvg (McMahan et al. 2018, withDifferentialPrivacy) in a cross-device
//   federation: 1,000 clients of 60 images, 100 sampled per round, E = 1, B = 10, adaptive
//   clipping (median); z is the smallest noise multiplier keeping a client's whole data
//   (ε, δ)-DP after the rounds (q = 0.1, noiseMultiplierFor). Client-level DP needs far more
//   clients per round than MNIST offers to be accurate; the rows show by how much.
//
//   npm run bench -- dp [--quick] [--eps 1,2,8] [--silos 4] [--rounds 5] [--batch 600]
//                       [--clip 1] [--lr 4] [--base-lr 0.5] [--fedavg-rounds 20]
//                       [--fedavg-eps 1,2,8] [--no-fedavg] [--no-dpsgd]
// --quick: a 6,000-image subset, 2 rounds, ε = 8 only, 200-client DP-FedAvg for 3 rounds (a smoke test).
// Last line: {"bench":"dp","delta":1e-5,"dpsgd":[{"epsilon":…,"sigma":…,"accuracy":…},…],"dpsgd_baseline":…,…}
import {
  type Client,
  FedAvg,
  LocalGrid,
  noiseMultiplierFor,
  Rng,
  runFederated,
  type Strategy,
  subset,
  withDifferentialPrivacy,
} from '@federa/core';
import { iidPartition, loadMnist } from '@federa/data';
import {
  createModel,
  dpSgdEpsilon,
  dpSgdNoiseMultiplier,
  setupBackend,
  TfjsClient,
  TfjsModelAdapter,
  withDpSgd,
} from '@federa/tfjs';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const list = (s: string) => s.split(',').map(Number);
const DELTA = 1e-5;
const SEED = 1;
const eps = list(flag('eps') ?? (quick ? '8' : '1,2,8'));
const silos = Number(flag('silos') ?? 4);
const rounds = Number(flag('rounds') ?? (quick ? 2 : 5));
const batch = Number(flag('batch') ?? (quick ? 100 : 600));
const clip = Number(flag('clip') ?? 1);
const lr = Number(flag('lr') ?? 4);
const baseLr = Number(flag('base-lr') ?? 0.5);
const fedavgRounds = Number(flag('fedavg-rounds') ?? (quick ? 3 : 20));
const fedavgEps = list(flag('fedavg-eps') ?? (quick ? '8' : '1,2,8'));
const fedavgClients = quick ? 200 : 1000;
const trainSubset = quick ? 6000 : 0;

const started = performance.now();
const info = await setupBackend();
console.log(`backend ${info.name}; δ = ${DELTA}; seed ${SEED}`);
const mnist = await loadMnist();
const train = trainSubset > 0 ? subset(mnist.train, range(trainSubset)) : mnist.train;
const test = quick ? subset(mnist.test, range(2000)) : mnist.test;
const adapter = new TfjsModelAdapter(createModel('mlp2nn', { seed: SEED }));
const initial = adapter.getWeights();

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function run(strategy: Strategy, clients: [string, Client][], n: number, label: string) {
  const t0 = performance.now();
  const result = await runFederated({
    grid: new LocalGrid(clients.map(([id, c]) => [{ id }, c])),
    strategy,
    initial,
    rounds: n,
    seed: SEED,
    evaluateEvery: quick ? n : Math.max(1, Math.floor(n / 5)),
    evaluate: async (w) => {
      adapter.setWeights(w);
      const r = await adapter.evaluate(test);
      return { loss: r.loss, accuracy: r.accuracy };
    },
    onRound: (r) => {
      const clientEps = Math.max(0, ...r.clients.map((c) => c.metrics?.dpsgd_epsilon ?? 0));
      // Strategy metrics appear in the round record prefixed 'train_'.
      const e = r.metrics.train_dp_epsilon ?? r.metrics.train_dpsgd_epsilon ?? clientEps;
      const acc = Number.isNaN(r.accuracy) ? '' : ` acc ${(r.accuracy * 100).toFixed(2)}%`;
      console.log(
        `  ${label} round ${r.round}: train loss ${r.trainLoss.toFixed(3)}${acc}${e > 0 ? ` ε ${e.toFixed(2)}` : ''}`,
      );
    },
  });
  const last = result.history.rounds.at(-1);
  return { accuracy: last?.accuracy ?? Number.NaN, wallS: (performance.now() - t0) / 1000, last };
}

const out: Record<string, unknown> = { bench: 'dp', delta: DELTA, model: 'mlp2nn', quick };
const table: string[] = [];
const row = (cells: (string | number)[]) => table.push(`| ${cells.join(' | ')} |`);

if (!args.includes('--no-dpsgd')) {
  const parts = iidPartition(train.y.length, silos, new Rng(`${SEED}:partition`));
  const clients: [string, Client][] = parts.map((p, k) => [
    `silo${k}`,
    new TfjsClient(`silo${k}`, adapter, subset(train, p)),
  ]);
  const nk = Math.min(...parts.map((p) => p.length));
  const fedavg = (lrate: number) => new FedAvg({ fraction: 1, epochs: 1, batchSize: batch, lr: lrate });
  console.log(
    `DP-SGD: ${silos} silos of ≥ ${nk} images, ${rounds} rounds, E = 1, B = ${batch} (q = ${(batch / nk).toFixed(4)}), C = ${clip}, lr ${lr}`,
  );
  const base = await run(fedavg(baseLr), clients, rounds, 'DP-SGD baseline');
  console.log(
    `DP-SGD non-private baseline (plain SGD, lr ${baseLr}): ${(base.accuracy * 100).toFixed(2)}% (${base.wallS.toFixed(0)} s)`,
  );
  const results: unknown[] = [];
  for (const target of eps) {
    const sigma = dpSgdNoiseMultiplier({
      examples: nk,
      batchSize: batch,
      epochs: 1,
      rounds,
      epsilon: target,
      delta: DELTA,
    });
    const spent = dpSgdEpsilon({
      examples: nk,
      batchSize: batch,
      epochs: 1,
      rounds,
      noiseMultiplier: sigma,
      delta: DELTA,
    });
    // withDpSgd sends the dpSgd* train-config keys; TfjsClient trains with DP-SGD when it sees them.
    const dp = withDpSgd(fedavg(lr), { clipNorm: clip, noiseMultiplier: sigma, delta: DELTA, seed: SEED });
    const r = await run(dp, clients, rounds, `DP-SGD ε=${target}`);
    console.log(
      `DP-SGD ε ${spent.epsilon.toFixed(3)} (σ ${sigma.toFixed(3)}, ${spent.steps} steps, order ${spent.order}): ${(r.accuracy * 100).toFixed(2)}% (${r.wallS.toFixed(0)} s)`,
    );
    row([
      'DP-SGD (sample-level)',
      sigma.toFixed(3),
      rounds,
      spent.epsilon.toFixed(2),
      DELTA,
      pct(r.accuracy),
      pct(base.accuracy),
    ]);
    results.push({
      target,
      epsilon: round4(spent.epsilon),
      sigma: round4(sigma),
      steps: spent.steps,
      accuracy: round4(r.accuracy),
      wall_s: Math.round(r.wallS),
    });
  }
  Object.assign(out, {
    dpsgd: results,
    dpsgd_baseline: round4(base.accuracy),
    dpsgd_setting: { silos, examples_per_silo: nk, rounds, epochs: 1, batch, clip, lr, base_lr: baseLr },
  });
}

if (!args.includes('--no-fedavg')) {
  const parts = iidPartition(train.y.length, fedavgClients, new Rng(`${SEED}:partition`));
  const clients: [string, Client][] = parts.map((p, k) => {
    const id = `c${String(k).padStart(4, '0')}`;
    return [id, new TfjsClient(id, adapter, subset(train, p))];
  });
  const fraction = 0.1;
  const m = Math.floor(fedavgClients * fraction);
  const fedavg = () => new FedAvg({ fraction, epochs: 1, batchSize: 10, lr: 0.1 });
  console.log(
    `DP-FedAvg: ${fedavgClients} clients, ${m} per round (q = ${fraction}), ${fedavgRounds} rounds, E = 1, B = 10, lr 0.1`,
  );
  const base = await run(fedavg(), clients, fedavgRounds, 'DP-FedAvg baseline');
  console.log(`DP-FedAvg non-private baseline: ${(base.accuracy * 100).toFixed(2)}% (${base.wallS.toFixed(0)} s)`);
  const results: unknown[] = [];
  for (const target of fedavgEps) {
    const z = noiseMultiplierFor({ q: fraction, steps: fedavgRounds, epsilon: target, delta: DELTA });
    const dp = withDifferentialPrivacy(fedavg(), {
      clipNorm: 0.5,
      noiseMultiplier: z,
      delta: DELTA,
      adaptive: { targetQuantile: 0.5, lr: 0.2 },
      seed: `${SEED}:dp`,
    });
    const r = await run(dp, clients, fedavgRounds, `DP-FedAvg ε=${target}`);
    const spent = dp.epsilon;
    console.log(
      `DP-FedAvg ε ${spent.toFixed(3)} (z ${z.toFixed(3)}, final clip ${dp.clip.toFixed(3)}): ${(r.accuracy * 100).toFixed(2)}% (${r.wallS.toFixed(0)} s)`,
    );
    row([
      'DP-FedAvg (client-level)',
      z.toFixed(3),
      fedavgRounds,
      spent.toFixed(2),
      DELTA,
      pct(r.accuracy),
      pct(base.accuracy),
    ]);
    results.push({
      target,
      epsilon: round4(spent),
      z: round4(z),
      accuracy: round4(r.accuracy),
      clip: round4(dp.clip),
      wall_s: Math.round(r.wallS),
    });
  }
  Object.assign(out, {
    dpfedavg: results,
    dpfedavg_baseline: round4(base.accuracy),
    dpfedavg_setting: { clients: fedavgClients, per_round: m, rounds: fedavgRounds, epochs: 1, batch: 10, lr: 0.1 },
  });
}

function pct(a: number): string {
  return `${(a * 100).toFixed(2)}%`;
}
function round4(x: number): number {
  return Number(x.toFixed(4));
}

adapter.dispose();
out.wall_s = Math.round((performance.now() - started) / 1000);
console.log('\n| mechanism | z / σ | rounds | ε | δ | accuracy | non-private baseline |');
console.log('|---|---|---|---|---|---|---|');
for (const l of table) console.log(l);
console.log(JSON.stringify(out));
