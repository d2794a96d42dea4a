import { FederaError } from '../errors.js';

/**
 * Canonical JSON text of a value: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as `JSON.stringify` writes them (which matches RFC 8785, JCS, for
 * finite numbers). Two equal values always give the same text, so the text can be hashed.
 *
 * Throws E_AUDIT_JSON for what JSON cannot carry faithfully: non-finite numbers, `undefined`
 * inside arrays, bigints, functions, symbols. `undefined` object properties are left out.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, 'x'] }); // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(v: unknown, path: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) {
        throw new FederaError(
          'E_AUDIT_JSON',
          `${path} is ${v}, which JSON cannot hold`,
          'leave non-finite metrics out of audited entries',
        );
      }
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${path}[${i}]`)).join(',')}]`;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(o[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new FederaError('E_AUDIT_JSON', `${path} has type ${typeof v}, which JSON cannot hold`);
  }
}
