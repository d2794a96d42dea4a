import type { RoundRecord } from '@federa/core';
import { clientMetricSpread } from '@federa/core';
import type { RunConfig } from '../config/index.js';
import { formatBytes, formatDuration, formatLoss, formatPercent } from '../progress/format.js';
import { lineChart, type Series } from './chart.js';
import { defenceSection } from './defence.js';
import { escapeHtml, num } from './html.js';
import { REPORT_CSS } from './style.js';
import { type ClassScore, classTable, clientTable, type ReportClient, successRate } from './tables.js';

/** Everything a report shows. `summary` is normally a RunSummary (see summarizeRun). */
export interface ReportInput {
  readonly config: RunConfig;
  readonly history: readonly RoundRecord[];
  readonly clients: readonly ReportClient[];
  readonly summary: Readonly<Record<string, unknown>>;
  /** The final model on the test set, with per-class scores. */
  readonly finalEval?: {
    readonly accuracy: number;
    readonly loss: number;
    readonly perClass: readonly ClassScore[];
  };
  /** The clients the run simulated as attackers (scores the defence's decisions). */
  readonly attackers?: ReadonlySet<string>;
}

const COLORS = { acc: '#2563eb', fed: '#9333ea', loss: '#dc2626', train: '#d97706' };

const numberOr = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function card(key: string, value: string, sub = '', highlight = false): string {
  return (
    `<div class="card${highlight ? ' hi' : ''}"><div class="k">${escapeHtml(key)}</div>` +
    `<div class="v">${escapeHtml(value)}</div>${sub ? `<div class="s">${escapeHtml(sub)}</div>` : ''}</div>`
  );
}

function partitionText(c: RunConfig): string {
  const d = c.data;
  switch (d.partition) {
    case 'shards':
      return `shards (${d.shardsPerClient} × ${d.shardSize} per client)`;
    case 'dirichlet':
      return `Dirichlet α = ${d.alpha}`;
    case 'natural':
      return d.dataset === 'synthetic' ? `natural, synthetic(${d.synthetic.alpha}, ${d.synthetic.beta})` : 'natural';
    default:
      return d.partition;
  }
}

function summaryCards(input: ReportInput): string {
  const { config: c, history, summary, finalEval } = input;
  const evaluated = history.filter((r) => Number.isFinite(r.accuracy));
  const last = evaluated.at(-1);
  let best: RoundRecord | undefined;
  for (const r of evaluated) if (!best || r.accuracy > best.accuracy) best = r;
  const finalAcc = finalEval?.accuracy ?? last?.accuracy ?? Number.NaN;
  const target = c.stop.accuracy;
  const reached = target === null ? undefined : evaluated.find((r) => r.accuracy >= target);
  const rounds = history.at(-1)?.round ?? 0;
  const wallMs = numberOr(summary.wallMs) ?? history.reduce((a, r) => a + r.durationMs, 0);
  const backend = typeof summary.backend === 'string' ? summary.backend : '-';
  const bytes = history.reduce((a, r) => a + r.bytesUp + r.bytesDown, 0);
  const numClients = numberOr(summary.clients) ?? input.clients.length;
  const batch = c.client.batchSize === 'full' ? '∞ (full)' : String(c.client.batchSize);
  return [
    card(
      'final test accuracy',
      formatPercent(finalAcc),
      last ? `loss ${formatLoss(finalEval?.loss ?? last.loss)}` : '',
      true,
    ),
    card('best test accuracy', best ? formatPercent(best.accuracy) : '-', best ? `round ${best.round}` : '', true),
    card(
      'rounds to target',
      target === null ? '-' : reached ? String(reached.round) : 'not reached',
      target === null ? 'no target set' : `target ${formatPercent(target, 1)}`,
    ),
    card('rounds', `${rounds} / ${c.rounds}`, `evaluated every ${c.evaluate.every}`),
    card('wall time', formatDuration(wallMs), rounds > 0 ? `${formatDuration(wallMs / rounds)} per round` : ''),
    card('dataset', c.data.dataset, partitionText(c)),
    card('model', c.model, `backend ${backend}`),
    card(
      'strategy',
      c.strategy.name,
      `C = ${num(c.strategy.fraction, 4)}, server lr ${c.strategy.serverLr === null ? 'default' : num(c.strategy.serverLr, 4)}`,
    ),
    card('local training', `E = ${c.client.epochs}, B = ${batch}`, `lr ${num(c.client.lr, 6)}`),
    card('clients', String(numClients), `success rate ${successRate(history)}`),
    card('traffic', formatBytes(bytes), 'models down + updates up'),
    card('seed', String(c.seed)),
  ].join('');
}

function charts(input: ReportInput): string {
  const h = input.history;
  const at = (f: (r: RoundRecord) => number | undefined) =>
    h.map((r) => [r.round, f(r) ?? Number.NaN] as [number, number]);
  const accSeries: Series[] = [{ name: 'test accuracy', color: COLORS.acc, points: at((r) => r.accuracy) }];
  if (h.some((r) => r.fedAccuracy !== undefined && Number.isFinite(r.fedAccuracy))) {
    accSeries.push({
      name: 'federated eval accuracy',
      color: COLORS.fed,
      points: at((r) => r.fedAccuracy),
      dashed: true,
    });
  }
  const lossSeries: Series[] = [
    { name: 'test loss', color: COLORS.loss, points: at((r) => r.loss) },
    { name: 'mean client train loss', color: COLORS.train, points: at((r) => r.trainLoss), dashed: true },
  ];
  if (h.some((r) => r.fedLoss !== undefined && Number.isFinite(r.fedLoss))) {
    lossSeries.push({ name: 'federated eval loss', color: COLORS.fed, points: at((r) => r.fedLoss), dashed: true });
  }
  const target = input.config.stop.accuracy;
  const xDomain = [h[0].round, h[h.length - 1].round] as const;
  const acc = lineChart({
    xDomain,
    title: 'Test accuracy per round',
    xLabel: 'round',
    yLabel: 'accuracy',
    series: accSeries,
    yFormat: (y) => formatPercent(y, y * 100 === Math.round(y * 100) ? 0 : 1),
    ...(target !== null ? { hline: { y: target, label: `target ${formatPercent(target, 1)}` } } : {}),
  });
  const loss = lineChart({
    xDomain,
    title: 'Loss per round',
    xLabel: 'round',
    yLabel: 'loss',
    series: lossSeries,
    yInclude: [0],
    yFormat: (y) => num(y, 3),
  });
  return (
    `<div class="charts"><figure><figcaption>Accuracy</figcaption>${acc}</figure>` +
    `<figure><figcaption>Loss</figcaption>${loss}</figure></div>`
  );
}

function detailsList(obj: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(obj).map(([k, v]) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(text)}</dd>`;
  });
  return `<dl class="kv">${rows.join('')}</dl>`;
}

/**
 * Renders a run as ONE self-contained HTML page, readable offline: no scripts, no fonts,
 * no external references of any kind. Every string from the run (names, client ids,
 * errors) is escaped. Sections: summary cards, accuracy and loss curves (inline SVG),
 * the final per-class precision/recall/F1 table (when `finalEval` is given), a
 * per-client table, and the full config and summary.
 *
 * @example
 * const html = renderReport({ config, history: history.rounds, clients, summary, finalEval });
 * await runDir.writeReport(html);
 */
/** The spread of the final model's accuracy across clients (mean, worst 10%, percentiles). */
function fairness(clients: readonly ReportClient[]): string {
  const rows: [string, number[]][] = [
    [
      'global model',
      clients.flatMap((c) => (c.accuracy !== undefined && Number.isFinite(c.accuracy) ? [c.accuracy] : [])),
    ],
    [
      'personal models',
      clients.flatMap((c) =>
        c.personalAccuracy !== undefined && Number.isFinite(c.personalAccuracy) ? [c.personalAccuracy] : [],
      ),
    ],
  ];
  const body = rows
    .filter(([, v]) => v.length > 0)
    .map(([name, v]) => {
      const s = clientMetricSpread(v);
      const cells = [s.mean, s.worst10, s.p10, s.p50, s.p90, s.min, s.max].map(
        (x) => `<td class="num">${escapeHtml(formatPercent(x))}</td>`,
      );
      return `<tr><td>${escapeHtml(name)}</td><td class="num">${s.count}</td>${cells.join('')}<td class="num">${escapeHtml(formatPercent(s.std))}</td></tr>`;
    });
  if (body.length === 0) return '';
  return (
    "<h2>Across clients (final model on each client's local data)</h2>" +
    '<table><thead><tr><th></th><th class="num">clients</th><th class="num">mean</th><th class="num">worst 10%</th>' +
    '<th class="num">p10</th><th class="num">median</th><th class="num">p90</th><th class="num">min</th><th class="num">max</th><th class="num">std</th></tr></thead>' +
    `<tbody>${body.join('')}</tbody></table>`
  );
}

export function renderReport(input: ReportInput): string {
  const c = input.config;
  const title = `${c.name} — federa report`;
  const finishedAt = typeof input.summary.finishedAt === 'string' ? input.summary.finishedAt : undefined;
  const subtitle = [
    `${c.strategy.name} · ${c.model} on ${c.data.dataset}`,
    finishedAt ? `finished ${finishedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const classes = input.finalEval
    ? `<h2>Final model, per class (test accuracy ${escapeHtml(formatPercent(input.finalEval.accuracy))}, loss ${escapeHtml(formatLoss(input.finalEval.loss))})</h2>${classTable(input.finalEval.perClass)}`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(c.name)}</h1><p>${escapeHtml(subtitle)}</p></header>
<section class="cards">${summaryCards(input)}</section>
<h2>Training curves</h2>
${input.history.length > 0 ? charts(input) : '<p class="note">No round finished.</p>'}
${classes}
${fairness(input.clients)}
${defenceSection(input.history, input.attackers)}
<h2>Clients (${input.clients.length})</h2>
<div class="scroll">${clientTable(input.clients, input.history)}</div>
<h2>Config and summary</h2>
<details><summary>config.json</summary>${detailsList(flatten(c))}</details>
<details><summary>summary.json</summary>${detailsList(input.summary)}</details>
<footer>Generated by federa${finishedAt ? ` · ${escapeHtml(finishedAt)}` : ''}. This page is self-contained and works offline.</footer>
</main>
</body>
</html>
`;
}

/** { a: { b: 1 } } → { 'a.b': 1 } */
function flatten(obj: object, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v, key));
    else out[key] = v;
  }
  return out;
}
