import { canonicalJson } from './canonical-json.js';
import type { AuditEntry, AuditHead } from './entry.js';

/** The optional first line of an audit export. */
export interface AuditExportHeader {
  readonly federaAudit: 1;
  /** The server's audit public key (base64 raw Ed25519), as the exporter claims it. */
  readonly publicKey?: string;
  /** The chain's head when exported. */
  readonly head?: AuditHead;
  readonly runId?: string;
}

/** An audit export read back: its header (if any), its rows (untrusted), and each row's 1-based line. */
export interface ParsedAuditExport {
  readonly header?: AuditExportHeader;
  /** Parsed JSON per row; a line that is not JSON is kept as its raw string (verify reports it malformed). */
  readonly entries: unknown[];
  readonly lines: number[];
}

/**
 * The JSONL export of an audit chain: an optional header line `{"federaAudit":1,...}`, then
 * one canonical-JSON row per line, in seq order.
 *
 * @example
 * await writeFile('audit.jsonl', auditToJsonl(rows, { federaAudit: 1, publicKey }));
 */
export function auditToJsonl(entries: readonly AuditEntry[], header?: AuditExportHeader): string {
  const lines = entries.map((e) => canonicalJson(e));
  if (header) lines.unshift(canonicalJson(header));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Reads an audit JSONL export; blank lines are skipped. Never throws on bad rows. */
export function parseAuditJsonl(text: string): ParsedAuditExport {
  const entries: unknown[] = [];
  const lines: number[] = [];
  let header: AuditExportHeader | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = line;
    }
    if (entries.length === 0 && !header && isHeader(value)) {
      header = value;
      return;
    }
    entries.push(value);
    lines.push(i + 1);
  });
  return { header, entries, lines };
}

function isHeader(v: unknown): v is AuditExportHeader {
  return typeof v === 'object' && v !== null && (v as { federaAudit?: unknown }).federaAudit === 1;
}
