import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type DashboardOptions, dashboardHandler } from './dashboard-handler.js';
import { MemoryDashboardSource } from './memory-source.js';
import { metricsHandler } from './metrics-handler.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { feedRound, simulatedRound } from './simulated-run.js';

const dir = mkdtempSync(join(tmpdir(), 'federa-dash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve(options: DashboardOptions = {}) {
  const source = new MemoryDashboardSource({ runId: 'run-1', name: 'demo', strategy: 'FedAvg', totalRounds: 3 });
  const dashboard = dashboardHandler(source, { heartbeatMs: 50, ...options });
  const metrics = metricsHandler(source);
  const server: Server = createServer((req, res) => {
    if (dashboard(req, res) || metrics(req, res)) return;
    res.writeHead(404).end('not mine');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    dashboard.close();
    const closed = new Promise((r) => server.close(r));
    // fetch (undici) may hold an unused spare connection open; do not wait for its timeout.
    server.closeAllConnections();
    await closed;
  };
  return { source, dashboard, base, close };
}

/** Reads SSE events from a fetch body until `until` says stop. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      cut = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

test('serves the page, its assets and the JSON API', async () => {
  const { source, base, close } = await serve();
  try {
    source.clientConnected('alice', { numExamples: 600 });
    feedRound(source, simulatedRound(1, { seed: 1, clientIds: ['alice'] }));
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    const html = await page.text();
    assert.match(html, /assets\/dashboard\.js/);
    assert.doesNotMatch(html, /https?:\/\//, 'nothing is loaded from the internet');
    const js = await fetch(`${base}/assets/dashboard.js`);
    assert.match(js.headers.get('content-type')!, /text\/javascript/);
    assert.match(await js.text(), /EventSource\('api\/events'\)/);
    assert.equal((await fetch(`${base}/assets/dashboard.css`)).status, 200);
    const status = await (await fetch(`${base}/api/status`)).json();
    assert.deepEqual([status.runId, status.round, status.clientsOnline], ['run-1', 1, 1]);
    const rounds = await (await fetch(`${base}/api/rounds`)).json();
    assert.equal(rounds.length, 1);
    assert.equal(rounds[0].accuracy, source.rounds()[0].accuracy);
    const clients = await (await fetch(`${base}/api/clients`)).json();
    assert.deepEqual(
      clients.map((c: { clientId: string; roundsDone: number }) => [c.clientId, c.roundsDone]),
      [['alice', 1]],
    );
    assert.equal((await fetch(`${base}/api/nope`)).status, 404);
    assert.equal(await (await fetch(`${base}/elsewhere`)).text(), 'not mine', 'unknown paths fall through');
    assert.equal((await fetch(`${base}/api/status`, { method: 'POST' })).status, 405);
    const head = await fetch(`${base}/api/status`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    await close();
  }
});

test('/api/events sends a snapshot, then live round, client and status events', async () => {
  const { source, dashboard, base, close } = await serve();
  try {
    source.clientConnected('a');
    const res = await fetch(`${base}/api/events`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const feeding = new Promise<void>((r) =>
      setTimeout(() => {
        feedRound(source, simulatedRound(1, { seed: 4, clientIds: ['a', 'b'], failed: { b: 'E_TIMEOUT' } }));
        r();
      }, 20),
    );
    const events = await readEvents(res.body!, (ev) => ev.some((e) => e.event === 'round'));
    await feeding;
    const snap = events[0];
    assert.equal(snap.event, 'snapshot');
    const s = snap.data as { status: { runId: string }; rounds: unknown[]; clients: { clientId: string }[] };
    assert.equal(s.status.runId, 'run-1');
    assert.deepEqual(s.rounds, []);
    assert.deepEqual(
      s.clients.map((c) => c.clientId),
      ['a'],
    );
    assert.ok(events.some((e) => e.event === 'status' && (e.data as { state: string }).state === 'training'));
    assert.ok(events.some((e) => e.event === 'client' && (e.data as { clientId: string }).clientId === 'b'));
    const round = events.find((e) => e.event === 'round')!.data as { round: number; excluded: unknown[] };
    assert.equal(round.round, 1);
    assert.deepEqual(round.excluded, [{ clientId: 'b', kind: 'failed', reason: 'E_TIMEOUT' }]);
    // The stream ended on our side: the server lets go of it.
    for (let i = 0; i < 200 && dashboard.streams > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(dashboard.streams, 0);
  } finally {
    await close();
  }
});

test('close() ends open event streams so the server can shut down', async () => {
  const { dashboard, base, close } = await serve();
  const res = await fetch(`${base}/api/events`);
  const reader = res.body!.getReader();
  await reader.read();
  assert.equal(dashboard.streams, 1);
  await close();
  let done = false;
  while (!done) done = (await reader.read()).done;
  assert.equal(dashboard.streams, 0);
});

test('basePath, extra assets (bytes and files) and no path traversal', async () => {
  const wasm = join(dir, 'tfjs-backend-wasm.wasm');
  writeFileSync(wasm, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  const { base, close } = await serve({
    basePath: '/dash/',
    assets: {
      'tfjs-backend-wasm.wasm': wasm,
      'hello.txt': new TextEncoder().encode('hi'),
      'gone.wasm': join(dir, 'x'),
    },
  });
  try {
    const redirect = await fetch(`${base}/dash`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/dash/');
    assert.equal((await fetch(`${base}/dash/`)).status, 200);
    assert.equal((await fetch(`${base}/`)).status, 404, 'the root is not the dashboard any more');
    const w = await fetch(`${base}/dash/assets/tfjs-backend-wasm.wasm`);
    assert.equal(w.headers.get('content-type'), 'application/wasm');
    assert.deepEqual(new Uint8Array(await w.arrayBuffer()), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    assert.equal(await (await fetch(`${base}/dash/assets/hello.txt`)).text(), 'hi');
    assert.equal((await fetch(`${base}/dash/assets/gone.wasm`)).status, 404);
    assert.equal((await fetch(`${base}/dash/assets/..%2F..%2Fpackage.json`)).status, 404);
  } finally {
    await close();
  }
  assert.throws(
    () =>
      dashboardHandler(new MemoryDashboardSource({ runId: 'r', strategy: 's', totalRounds: 1 }), {
        assets: { '../etc/passwd': '/etc/passwd' },
      }),
    /plain file name/,
  );
});

test('GET /metrics answers in the Prometheus text format', async () => {
  const { source, base, close } = await serve();
  try {
    source.clientConnected('a');
    feedRound(source, simulatedRound(1, { seed: 5, clientIds: ['a'] }));
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    const text = await res.text();
    assert.match(text, /^# TYPE federa_rounds_completed_total counter\nfedera_rounds_completed_total 1$/m);
    assert.match(text, /^federa_accuracy 0\.\d+$/m);
    assert.equal((await fetch(`${base}/metrics`, { method: 'DELETE' })).status, 405);
  } finally {
    await close();
  }
});
