// Robustness under attack: MNIST 2NN on a Dirichlet(0.5) split, a fraction of malicious
// clients mounting each attack, final test accuracy (and the backdoor's attack success rate)
// per aggregation rule, as a table.
//   npm run bench -- robust [--quick] [--rounds N] [--fractions 0.1,0.2,0.3]
//                           [--attacks labelFlip,signFlip,...] [--rules fedavg,krum,...]
//                           [--samples N]  (at most N training samples per client; default all)
// Rules: fedavg (no defence), krum, multikrum, median, trimmedMean, bulyan (f = 1: it needs
// n ≥ 4f + 3 of the 10 clients a round), normBound, centeredClip, fltrust (root dataset: 100
// samples held out on the server for every cell), detector (FedAvg + the anomaly detector).
// --quick: 3 rounds, 20% attackers, three attacks, three rules (a smoke test, ~2 min).
// Last line: {"bench":"robust","rounds":…,"cells":{"signFlip@0.2/krum":{"acc":…},…}}
import { parseConfig, simulate } from '@federa/cli';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = (s: string | undefined, d: string[]) => (s ? s.split(',') : d);
const quick = args.includes('--quick');

const rounds = Number(flag('rounds') ?? (quick ? 3 : 20));
const fractions = list(flag('fractions'), quick ? ['0.2'] : ['0.1', '0.2', '0.3']).map(Number);
const attacks = list(
  flag('attacks'),
  quick ? ['signFlip', 'scale', 'backdoor'] : ['labelFlip', 'signFlip', 'scale', 'noise', 'backdoor', 'lie'],
);
const rules = list(
  flag('rules'),
  quick
    ? ['fedavg', 'krum', 'median']
    : [
        'fedavg',
        'krum',
        'multikrum',
        'median',
        'trimmedMean',
        'bulyan',
        'normBound',
        'centeredClip',
        'fltrust',
        'detector',
      ],
);
const samples = Number(flag('samples') ?? 0);

// 50 clients, 10 per round: f = 3 tolerates the 30% row in expectation (Krum needs n > 2f + 2).
const base = {
  seed: 1,
  rounds,
  data: {
    dataset: 'mnist',
    partition: 'dirichlet',
    alpha: 0.5,
    clients: 50,
    testSubset: 2000,
    serverSamples: 100,
    maxClientSamples: samples,
  },
  model: 'mlp2nn',
  strategy: { name: 'fedavg', fraction: 0.2 },
  client: { epochs: 1, batchSize: 10, lr: 0.1 },
  evaluate: { every: rounds },
};
const ruleConfig = (rule: string) =>
  rule === 'fedavg'
    ? {}
    : rule === 'detector'
      ? { detector: 'exclude' }
      : { rule, f: rule === 'bulyan' ? 1 : 3, trim: 0.2, maxNorm: 2, tau: 1 };
const attackConfig = (kind: string, fraction: number) =>
  kind === 'none'
    ? {}
    : { kind, fraction, ...(kind === 'scale' ? { scale: 10 } : {}), ...(kind === 'signFlip' ? { scale: 4 } : {}) };

const cells: Record<string, { acc: number; asr?: number; error?: string }> = {};
const rows: [string, number][] = [
  ['none', 0],
  ...attacks.flatMap((a) => fractions.map((f): [string, number] => [a, f])),
];
for (const [attack, fraction] of rows) {
  for (const rule of rules) {
    const config = parseConfig(
      {
        ...base,
        name: `robust-${attack}-${fraction}-${rule}`,
        robust: ruleConfig(rule),
        attack: attackConfig(attack, fraction),
      },
      'bench/robust',
    );
    const t0 = performance.now();
    let cell: { acc: number; asr?: number; error?: string };
    try {
      const sim = await simulate(config, { log: () => {} });
      const last = sim.result.history.last;
      sim.model.dispose();
      cell = {
        acc: last?.accuracy ?? Number.NaN,
        ...(last?.metrics.backdoorAsr !== undefined ? { asr: last.metrics.backdoorAsr } : {}),
      };
    } catch (e) {
      cell = { acc: Number.NaN, error: e instanceof Error ? e.message : String(e) };
      console.log(`${attack}@${fraction} ${rule}: failed: ${cell.error}`);
    }
    cells[`${attack}@${fraction}/${rule}`] = cell;
    console.log(
      `${attack}@${fraction} ${rule}: acc ${(cell.acc * 100).toFixed(2)}%${cell.asr !== undefined ? `, backdoor ASR ${(cell.asr * 100).toFixed(1)}%` : ''} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
}

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(1)}`);
console.log(`\nfinal test accuracy % after ${rounds} rounds (backdoor rows: accuracy / attack success rate)\n`);
console.log(`| attack | ${rules.join(' | ')} |`);
console.log(`|---|${rules.map(() => '---').join('|')}|`);
for (const [attack, fraction] of rows) {
  const label = attack === 'none' ? 'none' : `${attack} ${Math.round(fraction * 100)}%`;
  const cellsText = rules.map((r) => {
    const c = cells[`${attack}@${fraction}/${r}`];
    return c?.asr !== undefined ? `${pct(c.acc)} / ${pct(c.asr)}` : pct(c?.acc);
  });
  console.log(`| ${label} | ${cellsText.join(' | ')} |`);
}
console.log(JSON.stringify({ bench: 'robust', rounds, cells }));
