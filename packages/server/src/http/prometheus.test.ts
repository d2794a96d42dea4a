import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHelp, escapeLabelValue, formatPrometheus, formatValue } from './prometheus.js';

test('formatPrometheus writes HELP, TYPE and one line per sample', () => {
  const text = formatPrometheus([
    { name: 'federa_clients_online', help: 'Clients connected now.', type: 'gauge', samples: [{ value: 3 }] },
    {
      name: 'federa_client_updates_total',
      help: 'Replies by outcome.',
      type: 'counter',
      samples: [
        { labels: { outcome: 'ok' }, value: 10 },
        { labels: { outcome: 'failed' }, value: 0 },
      ],
    },
    { name: 'federa_dp_epsilon', help: 'not present', type: 'gauge', samples: [] },
  ]);
  assert.equal(
    text,
    '# HELP federa_clients_online Clients connected now.\n' +
      '# TYPE federa_clients_online gauge\n' +
      'federa_clients_online 3\n' +
      '# HELP federa_client_updates_total Replies by outcome.\n' +
      '# TYPE federa_client_updates_total counter\n' +
      'federa_client_updates_total{outcome="ok"} 10\n' +
      'federa_client_updates_total{outcome="failed"} 0\n',
  );
});

test('escaping: HELP escapes backslash and newline; label values also escape quotes', () => {
  assert.equal(escapeHelp('a\\b\nc "q"'), 'a\\\\b\\nc "q"');
  assert.equal(escapeLabelValue('a\\b\nc "q"'), 'a\\\\b\\nc \\"q\\"');
  const text = formatPrometheus([
    {
      name: 'x',
      help: 'line one\nline two',
      type: 'gauge',
      samples: [{ labels: { client_id: 'evil"} 1\nfake_metric 9' }, value: 1 }],
    },
  ]);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 3, 'a newline in a label or help never starts a new line');
  assert.equal(lines[0], '# HELP x line one\\nline two');
  assert.equal(lines[2], 'x{client_id="evil\\"} 1\\nfake_metric 9"} 1');
});

test('special values are written as Prometheus expects', () => {
  assert.equal(formatValue(Number.NaN), 'NaN');
  assert.equal(formatValue(Number.POSITIVE_INFINITY), '+Inf');
  assert.equal(formatValue(Number.NEGATIVE_INFINITY), '-Inf');
  assert.equal(formatValue(1e-7), '1e-7');
  assert.equal(formatValue(1234567), '1234567');
});

test('formatPrometheus refuses bad names, reserved labels, duplicates and falling counters', () => {
  const g = (name: string, labels?: Record<string, string>) => ({
    name,
    help: 'h',
    type: 'gauge' as const,
    samples: [{ labels, value: 1 }],
  });
  assert.throws(() => formatPrometheus([g('1bad')]), /not a valid Prometheus metric name/);
  assert.throws(() => formatPrometheus([g('ok', { 'bad-label': 'x' })]), /not a valid label name/);
  assert.throws(() => formatPrometheus([g('ok', { __name__: 'x' })]), /not a valid label name/);
  assert.throws(() => formatPrometheus([g('ok'), g('ok')]), /given twice/);
  assert.throws(
    () => formatPrometheus([{ name: 'c_total', help: 'h', type: 'counter', samples: [{ value: -1 }] }]),
    /counters only go up/,
  );
  assert.equal(formatPrometheus([]), '');
});
