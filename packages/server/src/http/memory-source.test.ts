import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDashboardSource } from './memory-source.js';
import { dashboardMetrics } from './metrics-handler.js';
import { formatPrometheus } from './prometheus.js';
import { feedRound, simulatedRound } from './simulated-run.js';
import type { DashboardEvent } from './types.js';

function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('MemoryDashboardSource tracks connections, round progress, totals, exclusions and ε', () => {
  const clock = fakeClock();
  const dash = new MemoryDashboardSource({ runId: 'r1', strategy: 'FedAvg', totalRounds: 2, now: clock.now });
  const events: DashboardEvent[] = [];
  const off = dash.subscribe((e) => events.push(e));
  assert.equal(dash.status().state, 'waiting');
  for (const id of ['a', 'b', 'c']) dash.clientConnected(id, { numExamples: 100, platform: 'node' });
  dash.clientDisconnected('c');
  dash.clientSeen('a');
  dash.clientConnected('b');
  dash.clientDisconnected('unknown');
  assert.deepEqual([dash.status().clientsOnline, dash.status().clientsTotal], [2, 3], 'reconnects count once');

  clock.advance(1000);
  dash.roundStarted(1, 3);
  dash.clientDone(1, 1, 3);
  let s = dash.status();
  assert.equal(s.state, 'training');
  assert.deepEqual(s.progress, { done: 1, total: 3 });
  assert.equal(s.roundStartedAt, new Date(Date.UTC(2026, 0, 1) + 1000).toISOString());

  const rec = simulatedRound(1, {
    seed: 1,
    clientIds: ['a', 'b', 'c'],
    failed: { c: 'E_TIMEOUT: no reply within 30 s' },
    flagged: { b: 'krum: not among the 1 closest' },
    privacy: true,
  });
  const row = dash.roundFinished(rec);
  assert.deepEqual(row.excluded, [
    { clientId: 'b', kind: 'flagged', reason: 'krum: not among the 1 closest' },
    { clientId: 'c', kind: 'failed', reason: 'E_TIMEOUT: no reply within 30 s' },
  ]);
  assert.equal(row.accuracy, rec.accuracy);
  assert.equal(row.epsilon, rec.metrics.train_dp_epsilon);
  s = dash.status();
  assert.equal(s.epsilon, rec.metrics.train_dp_epsilon);
  assert.deepEqual(s.totals, {
    rounds: 1,
    bytesUp: rec.bytesUp,
    bytesDown: rec.bytesDown,
    updatesOk: 1,
    updatesFailed: 1,
    updatesFlagged: 1,
  });
  const byId = Object.fromEntries(dash.clients().map((c) => [c.clientId, c]));
  assert.equal(byId.a.roundsDone, 1);
  assert.equal(byId.a.lastRound, 1);
  assert.equal(byId.b.roundsDone, 0);
  assert.deepEqual(byId.c.lastProblem, { round: 1, kind: 'failed', reason: 'E_TIMEOUT: no reply within 30 s' });
  assert.equal(byId.c.online, false);

  feedRound(dash, simulatedRound(2, { seed: 1, clientIds: ['a', 'b'] }));
  assert.equal(dash.status().state, 'finished');
  assert.equal(dash.rounds().length, 2);
  assert.ok(events.some((e) => e.type === 'round' && e.round.round === 2));
  assert.ok(events.some((e) => e.type === 'client' && e.client.clientId === 'c' && !e.client.online));
  const n = events.length;
  off();
  dash.clientSeen('a');
  assert.equal(events.length, n, 'no events after unsubscribe');
});

test('a NaN accuracy shows as null and falls back to the federated evaluation', () => {
  const dash = new MemoryDashboardSource({ runId: 'r', strategy: 'FedAvg', totalRounds: 5 });
  const rec = { ...simulatedRound(1, { seed: 2, clientIds: ['a'] }), accuracy: Number.NaN, loss: Number.NaN };
  assert.equal(dash.roundFinished(rec).accuracy, null);
  const fed = { ...rec, round: 2, fedAccuracy: 0.7, fedLoss: 0.9 };
  const row = dash.roundFinished(fed);
  assert.deepEqual([row.accuracy, row.loss], [0.7, 0.9]);
  assert.equal(JSON.parse(JSON.stringify(dash.rounds()))[0].accuracy, null);
});

test('a listener that throws does not stop the others', () => {
  const dash = new MemoryDashboardSource({ runId: 'r', strategy: 'FedAvg', totalRounds: 1 });
  let seen = 0;
  dash.subscribe(() => {
    throw new Error('closed');
  });
  dash.subscribe(() => seen++);
  dash.clientConnected('a');
  assert.ok(seen > 0);
});

test('setState failed carries the error; options are validated', () => {
  const dash = new MemoryDashboardSource({ runId: 'r', strategy: 'FedAvg', totalRounds: 1 });
  dash.setState('failed', 'strategy threw');
  assert.deepEqual([dash.status().state, dash.status().error], ['failed', 'strategy threw']);
  assert.throws(() => new MemoryDashboardSource({ runId: '', strategy: 'x', totalRounds: 1 }), /runId/);
  assert.throws(() => new MemoryDashboardSource({ runId: 'r', strategy: 'x', totalRounds: -1 }), /totalRounds/);
});

test('dashboardMetrics exposes the run in Prometheus form', () => {
  const clock = fakeClock();
  const dash = new MemoryDashboardSource({
    runId: 'run "1"',
    name: 'mnist',
    strategy: 'FedAvg',
    totalRounds: 10,
    now: clock.now,
  });
  dash.clientConnected('a');
  dash.clientConnected('b');
  feedRound(dash, simulatedRound(1, { seed: 3, clientIds: ['a', 'b'], failed: { b: 'boom' }, privacy: true }));
  const text = formatPrometheus(dashboardMetrics(dash));
  const line = (name: string) => text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.equal(line('federa_run_info'), 'federa_run_info{run_id="run \\"1\\"",name="mnist",strategy="FedAvg"} 1');
  assert.match(text, /^federa_run_state\{state="training"\} 1$/m);
  assert.match(text, /^federa_run_state\{state="finished"\} 0$/m);
  assert.equal(line('federa_rounds_completed_total'), 'federa_rounds_completed_total 1');
  assert.equal(line('federa_clients_online'), 'federa_clients_online 2');
  assert.match(text, /^federa_client_updates_total\{outcome="failed"\} 1$/m);
  assert.match(text, /^# TYPE federa_upload_bytes_total counter$/m);
  assert.match(text, /^federa_dp_epsilon 0\.35$/m);
  assert.match(text, /^federa_client_last_seen_timestamp_seconds\{client_id="a"\} 1767225600$/m);
  assert.equal(formatPrometheus(dashboardMetrics(dash, { maxClientSeries: 0 })).includes('client_id='), false);
  // No ε line for a run without privacy.
  const plain = new MemoryDashboardSource({ runId: 'p', strategy: 'FedAvg', totalRounds: 1 });
  assert.equal(formatPrometheus(dashboardMetrics(plain)).includes('federa_dp_epsilon'), false);
});
