import { FederaError } from '@federa/core';

/** One sample of a metric family: label set and value. */
export interface PromSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family in the Prometheus text exposition format (version 0.0.4). */
export interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'untyped';
  readonly samples: readonly PromSample[];
}

/** The Content-Type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text escaping: backslash and line feed. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label value escaping: backslash, double quote and line feed. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it: NaN, +Inf, -Inf, or the number. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/**
 * Renders metric families as Prometheus text: for each family `# HELP`, `# TYPE`, then one
 * line per sample `name{label="value",...} value`. Families without samples are left out.
 * Throws E_ARG for an invalid metric or label name, a reserved `__` label, a family name
 * given twice, or a counter with a negative value.
 *
 * @example
 * formatPrometheus([{ name: 'federa_clients_online', help: 'Clients connected.', type: 'gauge', samples: [{ value: 3 }] }]);
 * // '# HELP federa_clients_online Clients connected.\n# TYPE federa_clients_online gauge\nfedera_clients_online 3\n'
 */
export function formatPrometheus(families: readonly PromFamily[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) {
      throw new FederaError(
        'E_ARG',
        `'${f.name}' is not a valid Prometheus metric name`,
        'use [a-zA-Z_:][a-zA-Z0-9_:]*',
      );
    }
    if (seen.has(f.name)) throw new FederaError('E_ARG', `metric family '${f.name}' is given twice`);
    seen.add(f.name);
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      if (f.type === 'counter' && s.value < 0) {
        throw new FederaError('E_ARG', `counter '${f.name}' has negative value ${s.value}`, 'counters only go up');
      }
      out.push(`${f.name}${labelText(f.name, s.labels)} ${formatValue(s.value)}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function labelText(metric: string, labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  const parts = keys.map((k) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) {
      throw new FederaError(
        'E_ARG',
        `'${k}' on metric '${metric}' is not a valid label name`,
        'use [a-zA-Z_][a-zA-Z0-9_]* not starting with __',
      );
    }
    return `${k}="${escapeLabelValue(String(labels[k]))}"`;
  });
  return `{${parts.join(',')}}`;
}
