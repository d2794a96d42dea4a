// federa's live dashboard: one EventSource on api/events (a snapshot, then status/round/client
// events), rendered with plain DOM calls. Every text from the server (client ids, error
// reasons) goes through textContent, never innerHTML: client ids come from the network.

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = {
  accuracy: '#2563eb',
  loss: '#c2410c',
  train: '#7c3aed',
  up: '#0d9488',
  down: '#2563eb',
  eps: '#b45309',
};

const state = { status: null, rounds: new Map(), clients: new Map() };

const $ = (id) => document.getElementById(id);

function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}

function num(x, digits = 4) {
  return typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toFixed(digits))) : '-';
}

function pct(x) {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '-';
}

function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function ago(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '-';
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 2) return 'just now';
  if (s < 120) return `${Math.round(s)} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return new Date(t).toLocaleString();
}

function el(tag, attrs = {}, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Round numbers for an axis: 1, 2, 2.5 or 5 × 10^k steps covering [lo, hi]. */
function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let v = start; v <= end + step * 1e-6; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo: start, hi: end, ticks };
}

const W = 560;
const H = 280;
const PAD = { left: 58, right: 16, top: 30, bottom: 40 };

/** Replaces the content of `box` with a line chart of `series` [{ name, color, points: [[x, y]] }]. */
function lineChart(box, { title, xLabel, yLabel, series, yFormat = (y) => num(y, 4), yInclude = [] }) {
  const svg = el('svg:svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  const finite = series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = finite.flat().map(([x]) => x);
  const ys = [...finite.flat().map(([, y]) => y), ...yInclude];
  if (xs.length === 0) {
    svg.append(el('svg:text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no data yet'));
    box.replaceChildren(svg);
    return;
  }
  const xlo = Math.min(...xs);
  const xhi = Math.max(...xs, xlo + 1);
  const xt = niceTicks(xlo, xhi, 8);
  const xticks = xt.ticks.filter((t) => Number.isInteger(t) && t >= xlo && t <= xhi);
  const yr = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + ((x - xlo) / (xhi - xlo)) * pw;
  const sy = (y) => PAD.top + ph - ((y - yr.lo) / (yr.hi - yr.lo)) * ph;
  const f = (v) => v.toFixed(1);

  const grid = el('svg:g', { class: 'grid' });
  for (const t of yr.ticks)
    grid.append(el('svg:line', { x1: PAD.left, x2: W - PAD.right, y1: f(sy(t)), y2: f(sy(t)) }));
  const axis = el('svg:g', { class: 'axis' });
  axis.append(el('svg:line', { x1: PAD.left, x2: W - PAD.right, y1: PAD.top + ph, y2: PAD.top + ph }));
  axis.append(el('svg:line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + ph }));
  for (const t of yr.ticks) {
    axis.append(el('svg:text', { x: PAD.left - 6, y: f(sy(t) + 4), 'text-anchor': 'end' }, yFormat(t)));
  }
  for (const t of xticks) {
    axis.append(el('svg:line', { x1: f(sx(t)), x2: f(sx(t)), y1: PAD.top + ph, y2: PAD.top + ph + 4 }));
    axis.append(el('svg:text', { x: f(sx(t)), y: PAD.top + ph + 17, 'text-anchor': 'middle' }, String(t)));
  }
  axis.append(el('svg:text', { class: 'label', x: PAD.left + pw / 2, y: H - 6, 'text-anchor': 'middle' }, xLabel));
  axis.append(
    el(
      'svg:text',
      { class: 'label', transform: `translate(14 ${PAD.top + ph / 2}) rotate(-90)`, 'text-anchor': 'middle' },
      yLabel,
    ),
  );
  svg.append(el('svg:title', {}, title), grid, axis);

  series.forEach((s, i) => {
    const pts = finite[i];
    if (pts.length === 0) return;
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${f(sx(x))} ${f(sy(y))}`).join(' ');
    svg.append(el('svg:path', { class: 'series', 'data-series': s.name, d, stroke: s.color }));
    if (pts.length <= 40) {
      const g = el('svg:g', { fill: s.color });
      for (const [x, y] of pts) {
        const c = el('svg:circle', { cx: f(sx(x)), cy: f(sy(y)), r: 2.6 });
        c.append(el('svg:title', {}, `${s.name}, round ${x}: ${yFormat(y)}`));
        g.append(c);
      }
      svg.append(g);
    }
  });

  const legend = el('svg:g', { class: 'legend' });
  let lx = PAD.left;
  for (const s of series) {
    legend.append(el('svg:line', { x1: lx, x2: lx + 22, y1: 14, y2: 14, stroke: s.color }));
    legend.append(el('svg:text', { x: lx + 28, y: 18 }, s.name));
    lx += 28 + s.name.length * 6.6 + 18;
  }
  svg.append(legend);
  box.replaceChildren(svg);
}

function renderStatus(s) {
  document.title = `${s.name} · round ${s.round}/${s.totalRounds} · federa`;
  setText('run-name', s.name);
  setText('run-id', s.runId);
  setText('strategy', s.strategy);
  setText('started-at', new Date(s.startedAt).toLocaleString());
  const badge = $('state');
  badge.className = `badge ${s.state}`;
  setText('state', s.state);
  const err = $('error');
  err.hidden = s.state !== 'failed';
  setText('error', s.error ? `run failed: ${s.error}` : '');
  setText('round', String(s.round));
  setText('total-rounds', String(s.totalRounds));
  const { done, total } = s.progress;
  setText('round-progress', `${done} / ${total}`);
  $('round-bar').style.width = `${total > 0 ? Math.min(100, (100 * done) / total) : 0}%`;
  setText('clients-online', String(s.clientsOnline));
  setText('clients-total', String(s.clientsTotal));
  setText('bytes-up', bytes(s.totals.bytesUp));
  setText('bytes-down', bytes(s.totals.bytesDown));
  setText('excluded-count', String(s.totals.updatesFailed + s.totals.updatesFlagged));
  const hasEps = typeof s.epsilon === 'number';
  $('privacy-card').hidden = !hasEps;
  $('chart-epsilon-figure').hidden = !hasEps;
  setText('epsilon', hasEps ? num(s.epsilon, 3) : '-');
  setText('updated-at', new Date(s.updatedAt).toLocaleTimeString());
}

function renderElapsed() {
  const s = state.status;
  if (!s?.roundStartedAt) return setText('round-elapsed', '-');
  const running = (s.state === 'training' || s.state === 'evaluating') && !state.rounds.has(s.round);
  const last = state.rounds.get(s.round);
  const ms = running ? Date.now() - Date.parse(s.roundStartedAt) : last?.durationMs;
  setText('round-elapsed', running ? `${duration(ms)} elapsed` : `last round ${duration(ms)}`);
}

function latest(rows, key) {
  for (let i = rows.length - 1; i >= 0; i--) if (typeof rows[i][key] === 'number') return rows[i][key];
  return undefined;
}

function renderRounds() {
  const rows = [...state.rounds.values()].sort((a, b) => a.round - b.round);
  setText('accuracy', pct(latest(rows, 'accuracy')));
  setText('loss', num(latest(rows, 'loss')));
  const last = rows[rows.length - 1];
  setText('last-bytes', last ? `${bytes(last.bytesUp)} ↑ ${bytes(last.bytesDown)} ↓` : '-');
  const pts = (key) => rows.map((r) => [r.round, typeof r[key] === 'number' ? r[key] : Number.NaN]);
  lineChart($('chart-accuracy'), {
    title: 'Accuracy by round',
    xLabel: 'round',
    yLabel: 'accuracy',
    series: [{ name: 'accuracy', color: COLORS.accuracy, points: pts('accuracy') }],
    yFormat: (y) => `${Number((y * 100).toFixed(1))}%`,
  });
  lineChart($('chart-loss'), {
    title: 'Loss by round',
    xLabel: 'round',
    yLabel: 'loss',
    series: [
      { name: 'loss', color: COLORS.loss, points: pts('loss') },
      { name: 'train loss', color: COLORS.train, points: pts('trainLoss') },
    ],
    yInclude: [0],
  });
  lineChart($('chart-bytes'), {
    title: 'Bytes per round',
    xLabel: 'round',
    yLabel: 'bytes',
    series: [
      { name: 'up', color: COLORS.up, points: pts('bytesUp') },
      { name: 'down', color: COLORS.down, points: pts('bytesDown') },
    ],
    yFormat: bytes,
    yInclude: [0],
  });
  if (rows.some((r) => typeof r.epsilon === 'number')) {
    lineChart($('chart-epsilon'), {
      title: 'Privacy budget spent',
      xLabel: 'round',
      yLabel: 'ε',
      series: [{ name: 'ε', color: COLORS.eps, points: pts('epsilon') }],
      yInclude: [0],
    });
  }

  const body = $('rounds').tBodies[0];
  body.replaceChildren(
    ...rows
      .slice(-200)
      .reverse()
      .map((r) => {
        const tr = el('tr', { 'data-round': r.round });
        const cells = [
          String(r.round),
          duration(r.durationMs),
          `${r.succeeded} / ${r.sampled}`,
          String(r.failed),
          pct(r.accuracy),
          num(r.loss),
          num(r.trainLoss),
          bytes(r.bytesUp),
          bytes(r.bytesDown),
          num(r.epsilon, 3),
        ];
        for (const c of cells) tr.append(el('td', { class: 'num' }, c));
        return tr;
      }),
  );

  const excluded = rows.flatMap((r) => r.excluded.map((e) => ({ round: r.round, ...e })));
  $('excluded-none').hidden = excluded.length > 0;
  $('excluded-box').hidden = excluded.length === 0;
  $('excluded').tBodies[0].replaceChildren(
    ...excluded
      .slice(-500)
      .reverse()
      .map((e) => {
        const tr = el('tr', { 'data-client-id': e.clientId });
        tr.append(
          el('td', { class: 'num' }, String(e.round)),
          el('td', { class: 'id' }, e.clientId),
          el('td', { class: e.kind === 'failed' ? 'bad' : 'warn' }, e.kind),
          el('td', {}, e.reason),
        );
        return tr;
      }),
  );
}

function renderClients() {
  const rows = [...state.clients.values()].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.clientId.localeCompare(b.clientId),
  );
  $('clients').tBodies[0].replaceChildren(
    ...rows.slice(0, 1000).map((c) => {
      const tr = el('tr', { 'data-client-id': c.clientId, class: c.online ? 'online' : 'offline' });
      const problem = c.lastProblem
        ? `round ${c.lastProblem.round}: ${c.lastProblem.kind}: ${c.lastProblem.reason}`
        : '';
      tr.append(
        el('td', { class: 'id' }, c.clientId),
        el('td', { class: `dot ${c.online ? 'on' : 'off'}` }, c.online ? 'online' : 'offline'),
        el('td', {}, c.platform ?? '-'),
        el('td', { class: 'num' }, c.numExamples === undefined ? '-' : String(c.numExamples)),
        el('td', { class: 'num' }, String(c.roundsDone)),
        el('td', { class: 'num' }, c.lastRound === undefined ? '-' : String(c.lastRound)),
        el('td', { 'data-last-seen': c.lastSeen }, ago(c.lastSeen)),
        el('td', { class: c.lastProblem ? (c.lastProblem.kind === 'failed' ? 'bad' : 'warn') : '' }, problem),
      );
      return tr;
    }),
  );
}

const dirty = { status: false, rounds: false, clients: false };
let frame = 0;

function schedule(part) {
  dirty[part] = true;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (dirty.status && state.status) renderStatus(state.status);
    if (dirty.rounds) renderRounds();
    if (dirty.clients) renderClients();
    renderElapsed();
    dirty.status = dirty.rounds = dirty.clients = false;
    document.body.dataset.rounds = String(state.rounds.size);
  });
}

function connect() {
  const live = $('live');
  const source = new EventSource('api/events');
  source.addEventListener('open', () => {
    live.className = 'live on';
    live.textContent = 'live';
  });
  source.addEventListener('error', () => {
    live.className = 'live off';
    live.textContent = 'reconnecting';
  });
  source.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    state.status = snap.status;
    state.rounds = new Map(snap.rounds.map((r) => [r.round, r]));
    state.clients = new Map(snap.clients.map((c) => [c.clientId, c]));
    schedule('status');
    schedule('rounds');
    schedule('clients');
  });
  source.addEventListener('status', (e) => {
    state.status = JSON.parse(e.data);
    schedule('status');
  });
  source.addEventListener('round', (e) => {
    const r = JSON.parse(e.data);
    state.rounds.set(r.round, r);
    schedule('rounds');
  });
  source.addEventListener('client', (e) => {
    const c = JSON.parse(e.data);
    state.clients.set(c.clientId, c);
    schedule('clients');
  });
}

connect();
setInterval(() => {
  renderElapsed();
  for (const td of document.querySelectorAll('td[data-last-seen]')) td.textContent = ago(td.dataset.lastSeen);
}, 1000);
