import type { IncomingMessage, ServerResponse } from 'node:http';
import { FederaError } from '@federa/core';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE, type PromFamily, type PromSample } from './prometheus.js';
import type { DashboardRoundRow, DashboardSource, RunState } from './types.js';

export interface MetricsOptions {
  /** Path served (default '/metrics'). */
  readonly path?: string;
  /** Per-client series (online, last seen) for at most this many clients (default 1000; 0 turns them off). */
  readonly maxClientSeries?: number;
}

const STATES: readonly RunState[] = ['waiting', 'training', 'evaluating', 'finished', 'failed'];

/**
 * The run's metrics as Prometheus families, all named `federa_*`: run info and state,
 * rounds, clients online, bytes moved, client update outcomes, last accuracy/loss,
 * privacy ε spent, and per-client online/last-seen series (see docs/dashboard.md).
 */
export function dashboardMetrics(source: DashboardSource, options: MetricsOptions = {}): PromFamily[] {
  const s = source.status();
  const rounds = source.rounds();
  const last: DashboardRoundRow | undefined = rounds[rounds.length - 1];
  const latest = (pick: (r: DashboardRoundRow) => number | null): number | undefined => {
    for (let i = rounds.length - 1; i >= 0; i--) {
      const v = pick(rounds[i]);
      if (v !== null) return v;
    }
    return undefined;
  };
  const one = (value: number | undefined): PromSample[] => (value === undefined ? [] : [{ value }]);
  const g = (name: string, help: string, samples: PromSample[]): PromFamily => ({ name, help, type: 'gauge', samples });
  const c = (name: string, help: string, samples: PromSample[]): PromFamily => ({
    name,
    help,
    type: 'counter',
    samples,
  });
  const families: PromFamily[] = [
    g('federa_run_info', 'The run being served (value always 1).', [
      { labels: { run_id: s.runId, name: s.name, strategy: s.strategy }, value: 1 },
    ]),
    g(
      'federa_run_state',
      'The run state (1 for the current state, 0 for the others).',
      STATES.map((state) => ({ labels: { state }, value: state === s.state ? 1 : 0 })),
    ),
    g('federa_round', 'The round in progress, or the last completed one.', one(s.round)),
    g('federa_rounds_planned', 'Rounds the run is configured for.', one(s.totalRounds)),
    c('federa_rounds_completed_total', 'Rounds completed.', one(s.totals.rounds)),
    g(
      'federa_round_started_timestamp_seconds',
      'Unix time the current round started.',
      one(s.roundStartedAt === undefined ? undefined : Date.parse(s.roundStartedAt) / 1000),
    ),
    g('federa_round_clients_asked', 'Clients asked to train in the current round.', one(s.progress.total)),
    g('federa_round_clients_done', 'Clients that answered the current round so far.', one(s.progress.done)),
    g('federa_clients_online', 'Clients connected now.', one(s.clientsOnline)),
    g('federa_clients_known', 'Clients seen since the run started.', one(s.clientsTotal)),
    c('federa_upload_bytes_total', 'Bytes of client updates received (wire size).', one(s.totals.bytesUp)),
    c('federa_download_bytes_total', 'Bytes of model sent to clients (wire size).', one(s.totals.bytesDown)),
    c('federa_client_updates_total', 'Client replies by outcome: aggregated, failed, or flagged by a robust rule.', [
      { labels: { outcome: 'ok' }, value: s.totals.updatesOk },
      { labels: { outcome: 'failed' }, value: s.totals.updatesFailed },
      { labels: { outcome: 'flagged' }, value: s.totals.updatesFlagged },
    ]),
    g('federa_last_round_upload_bytes', 'Bytes received in the last completed round.', one(last?.bytesUp)),
    g('federa_last_round_download_bytes', 'Bytes sent in the last completed round.', one(last?.bytesDown)),
    g(
      'federa_last_round_duration_seconds',
      'Wall time of the last completed round.',
      one(last === undefined ? undefined : last.durationMs / 1000),
    ),
    g('federa_accuracy', 'Accuracy of the global model at the last evaluated round.', one(latest((r) => r.accuracy))),
    g('federa_loss', 'Loss of the global model at the last evaluated round.', one(latest((r) => r.loss))),
    g(
      'federa_train_loss',
      "Mean of the clients' training loss in the last round that reported it.",
      one(latest((r) => r.trainLoss)),
    ),
    g('federa_dp_epsilon', 'Differential-privacy budget spent so far (epsilon).', one(s.epsilon)),
  ];
  const max = options.maxClientSeries ?? 1000;
  if (!(Number.isInteger(max) && max >= 0)) {
    throw new FederaError('E_ARG', `maxClientSeries must be a non-negative integer, got ${max}`);
  }
  const clients = max === 0 ? [] : source.clients().slice(0, max);
  families.push(
    g(
      'federa_client_online',
      'Whether a client is connected (1) or not (0).',
      clients.map((x) => ({ labels: { client_id: x.clientId }, value: x.online ? 1 : 0 })),
    ),
    g(
      'federa_client_last_seen_timestamp_seconds',
      'Unix time of the last message from a client.',
      clients.map((x) => ({ labels: { client_id: x.clientId }, value: Date.parse(x.lastSeen) / 1000 })),
    ),
  );
  return families;
}

/**
 * A request handler for GET `/metrics` in the Prometheus text format. Returns true when it
 * answered the request (its path), false to let the caller route it elsewhere.
 *
 * @example
 * const metrics = metricsHandler(source);
 * http.createServer((req, res) => metrics(req, res) || dashboard(req, res) || notFound(res));
 */
export function metricsHandler(
  source: DashboardSource,
  options: MetricsOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const path = options.path ?? '/metrics';
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    const body = formatPrometheus(dashboardMetrics(source, options));
    res.writeHead(200, {
      'Content-Type': PROMETHEUS_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
