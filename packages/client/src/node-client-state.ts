import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ClientState, crc32, decodeWeights, encodeWeights, FederaError, peekHeader, Weights } from '@federa/core';
import type { ClientEvent } from './runtime.js';

/** "FDRS": federa client state. */
const MAGIC = [0x46, 0x44, 0x52, 0x53] as const;
const VERSION = 1;
/** magic (4), version u16, reserved u16, index length u32. */
const HEAD_BYTES = 12;
const CRC_BYTES = 4;
const FIX =
  "delete the file to start this client's state afresh (SCAFFOLD's c_i and personal models restart from zero)";

const PERMS = `check the file's and its folder's permissions, or ${FIX}`;

/** One entry of the JSON index: the state key and the length of its codec message. */
interface IndexEntry {
  readonly key: string;
  readonly bytes: number;
}

/**
 * A ClientState kept in one file, so that a networked client that restarts keeps its memory
 * (SCAFFOLD's c_i, Ditto's v_k, FedPer's head, an error-feedback residual). Node only.
 *
 * Every `set`/`delete` (or every `flush` after a `hold`) rewrites the whole file atomically:
 * it writes `<path>.tmp`, fsyncs it, renames it over `<path>` and fsyncs the folder, so a
 * crash leaves the old state or the new one, never a torn file; `open` removes a leftover
 * `<path>.tmp`. Values are snapshots: `set` encodes the value when it is called and `get`
 * decodes a fresh copy, so mutating either never changes the state behind its back. One
 * process per file (nothing locks it).
 *
 * File format, version 1 (integers little-endian):
 * ```
 * offset size  field
 *  0     4     magic "FDRS" (46 44 52 53)
 *  4     u16   version (1)
 *  6     u16   reserved (0)
 *  8     u32   J, the length of the index
 * 12     J     UTF-8 JSON index {"run"?: string, "entries": [{"key": string, "bytes": number}, …]}
 *        zero padding to a multiple of 4
 *  P     the entries' values in index order, back to back: each one federa codec message
 *        (`encodeWeights`, float32; it carries its own length, checked against `bytes`)
 * L-4    u32 CRC-32 of bytes [0, L-4)
 * ```
 * A file that does not read back exactly so (truncated, foreign, bad index, bad checksum)
 * is refused with E_STATE_FILE naming the path; delete it to start afresh. Whether a stored
 * value fits the model (its layout) is the algorithm's business, not this class's.
 *
 * @example
 * const state = FileClientState.open('.federa-site-1.state');
 * const client = new TfjsClient(id, adapter, data, test, state); // c_i survives a restart
 */
export class FileClientState implements ClientState {
  /** Encoded value of each key, in insertion order. */
  private entries: Map<string, Uint8Array>;
  private runId: string | undefined;
  private held = false;
  private dirty = false;
  /** Whether `path` holds this state (false until the first write of a new one). */
  private onDisk: boolean;

  private constructor(
    /** The file this state lives in. */
    readonly path: string,
    entries: Map<string, Uint8Array>,
    run: string | undefined,
    onDisk: boolean,
  ) {
    this.entries = entries;
    this.runId = run;
    this.onDisk = onDisk;
  }

  /**
   * Loads the state in `path` (synchronously), or an empty one when there is no such file
   * (the file and its folder are created on the first write). Removes a leftover
   * `<path>.tmp` of an interrupted write. Throws E_STATE_FILE when the file is not a
   * readable federa client state.
   */
  static open(path: string): FileClientState {
    if (typeof path !== 'string' || path === '') {
      throw new FederaError('E_ARG', 'FileClientState.open needs a file path', 'pass the path of the state file');
    }
    try {
      unlinkSync(`${path}.tmp`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw stateError(path, `cannot be opened: its leftover '${path}.tmp' cannot be removed`, e, PERMS);
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new FileClientState(path, new Map(), undefined, false);
      throw stateError(path, 'cannot be read', e, PERMS);
    }
    const { run, entries } = parseStateFile(path, bytes);
    return new FileClientState(path, entries, run, true);
  }

  get(key: string): Weights | undefined {
    const bytes = this.entries.get(key);
    return bytes
      ? decodeWeights(bytes, { maxBytes: bytes.length, allowNonFinite: true, copy: true }).weights
      : undefined;
  }

  set(key: string, value: Weights): void {
    if (typeof key !== 'string' || key === '') {
      throw new FederaError(
        'E_ARG',
        'a client state key must be a non-empty string',
        "name what is stored, e.g. 'scaffold/ci'",
      );
    }
    if (!(value instanceof Weights)) {
      throw new FederaError(
        'E_ARG',
        `client state '${key}' must be set to a Weights`,
        'build one with new Weights(specs, data)',
      );
    }
    const next = new Map(this.entries);
    next.set(key, encodeWeights(value));
    this.commit(next);
  }

  delete(key: string): void {
    if (!this.entries.has(key)) return;
    const next = new Map(this.entries);
    next.delete(key);
    this.commit(next);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The server run this state belongs to (see `bindRun`); undefined until one is bound. */
  get run(): string | undefined {
    return this.runId;
  }

  /**
   * Ties the state to the server run it is used in (as a Welcome or a task names it: `eventRunId`).
   * A state not bound yet adopts `runId` with its entries. When the file was bound to another
   * run, its entries belong to that run (a control variate of another run would bias this
   * one): they are all dropped and returned. An empty `runId` (the server has no run open
   * yet, or is reopening one) keeps the entries but forgets their run, so the next run bound
   * adopts them: a client that restarts before the server reopens its run keeps its state.
   */
  bindRun(runId: string): string[] {
    const next = runId === '' ? undefined : runId;
    if (next === this.runId) return [];
    const dropped = next !== undefined && this.runId !== undefined ? this.keys() : [];
    const before = this.runId;
    this.runId = next;
    try {
      this.commit(dropped.length ? new Map() : this.entries);
    } catch (e) {
      this.runId = before;
      throw e;
    }
    return dropped;
  }

  /**
   * Keeps the sets and deletes from now on in memory only (reads see them) until `flush`
   * writes them, in one write. A networked client holds a training task's changes until the
   * server has accepted its reply: a process that dies before then restarts from the state
   * the task started from, and the task the server sends again gives the same reply.
   *
   * @example
   * state.hold(); const res = await client.train(ins); await send(res); state.flush();
   */
  hold(): void {
    this.held = true;
  }

  /** Writes what was set or deleted since `hold` (nothing when nothing changed) and stops holding. */
  flush(): void {
    this.held = false;
    if (this.dirty) this.commit(this.entries);
  }

  /** Whether changes are held in memory, not yet written (see `hold`). */
  get pending(): boolean {
    return this.dirty;
  }

  private commit(next: Map<string, Uint8Array>): void {
    if (this.held) {
      this.entries = next;
      this.dirty = true;
      return;
    }
    // A state with nothing in it is not worth a file (FedAvg clients never write one).
    if (this.onDisk || next.size > 0) writeAtomic(this.path, serialize(next, this.runId));
    this.onDisk ||= next.size > 0;
    this.entries = next;
    this.dirty = false;
  }
}

/**
 * The server run a client event names, for `FileClientState.bindRun`: a Welcome's (on every
 * connection; empty while the server has no run open), or a task's when the event carries
 * it (`runId` on 'task' events: the run each task belongs to, exact even for a client that
 * joined before the run opened). Undefined for other events.
 */
export function eventRunId(e: ClientEvent): string | undefined {
  if (e.type === 'connected') return e.welcome.runId;
  if (e.type === 'task' && 'runId' in e && typeof e.runId === 'string') return e.runId;
  return undefined;
}

/**
 * A client's event handler that keeps `state` bound to the server's run (`bindRun`), before
 * any task uses it: a run named by a Welcome or a task binds it (dropping another run's
 * entries, reported to `onDropped`). A Welcome naming no run (the server has none open yet)
 * changes nothing by itself; if the next task names none either, the state forgets its run,
 * so what it learns in this unnamed run is adopted, not dropped, when a later Welcome names it.
 *
 * @example
 * const onEvent = runBinder(state, (run, keys) => log(`dropped ${keys} of another run`));
 */
export function runBinder(
  state: FileClientState,
  onDropped?: (runId: string, keys: readonly string[]) => void,
): (e: ClientEvent) => void {
  let unnamed = false;
  const bind = (runId: string) => {
    unnamed = false;
    const dropped = state.bindRun(runId);
    if (dropped.length) onDropped?.(runId, dropped);
  };
  return (e) => {
    const runId = eventRunId(e);
    if (e.type === 'connected') {
      if (runId) bind(runId);
      else unnamed = true;
    } else if (e.type === 'task') {
      if (runId) bind(runId);
      else if (unnamed) bind('');
    }
  };
}

/** The file's bytes for `entries` (see the format in FileClientState's doc). */
function serialize(entries: Map<string, Uint8Array>, run: string | undefined): Uint8Array {
  const index: IndexEntry[] = [...entries].map(([key, b]) => ({ key, bytes: b.length }));
  const json = new TextEncoder().encode(JSON.stringify({ ...(run !== undefined ? { run } : {}), entries: index }));
  const payloadAt = align4(HEAD_BYTES + json.length);
  let total = payloadAt + CRC_BYTES;
  for (const b of entries.values()) total += b.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, HEAD_BYTES);
  let p = payloadAt;
  for (const b of entries.values()) {
    out.set(b, p);
    p += b.length;
  }
  view.setUint32(p, crc32(out.subarray(0, p)), true);
  return out;
}

/** Reads a state file, checking everything; throws E_STATE_FILE naming the first problem. */
function parseStateFile(
  path: string,
  bytes: Uint8Array,
): { run: string | undefined; entries: Map<string, Uint8Array> } {
  const bad: (what: string, cause?: unknown) => never = (what, cause) => {
    throw stateError(path, what, cause);
  };
  if (bytes.length < HEAD_BYTES + CRC_BYTES) {
    if (MAGIC.some((m, i) => i < bytes.length && bytes[i] !== m)) bad('is not a federa client state (wrong magic)');
    bad(`is truncated (${bytes.length} bytes)`);
  }
  if (MAGIC.some((m, i) => bytes[i] !== m)) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    bad(`is not a federa client state: it starts with ${got}, expected 46 44 52 53 ('FDRS')`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== VERSION) bad(`has format version ${version}; this federa reads version ${VERSION}`);
  if (view.getUint16(6, true) !== 0) bad('has non-zero reserved bytes (not written by federa)');
  const end = bytes.length - CRC_BYTES;
  const stored = view.getUint32(end, true);
  const jsonBytes = view.getUint32(8, true);
  const payloadAt = align4(HEAD_BYTES + jsonBytes);
  if (payloadAt > end) bad(`is truncated: its index needs ${jsonBytes} bytes, the file has ${bytes.length}`);
  if (crc32(bytes.subarray(0, end)) !== stored) bad('fails its checksum (truncated or damaged)');
  let index: unknown;
  try {
    index = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEAD_BYTES, HEAD_BYTES + jsonBytes)),
    );
  } catch (e) {
    bad('has an index that is not JSON', e);
  }
  const { run, entries } = checkIndex(index, bad);
  const out = new Map<string, Uint8Array>();
  let p = payloadAt;
  for (const { key, bytes: n } of entries) {
    if (p + n > end) bad(`is truncated: entry '${key}' needs ${n} bytes at offset ${p}`);
    const msg = bytes.slice(p, p + n);
    try {
      const h = peekHeader(msg, { maxBytes: n });
      if (h.totalBytes !== n) bad(`has entry '${key}' of ${n} bytes holding a ${h.totalBytes}-byte message`);
      decodeWeights(msg, { maxBytes: n, allowNonFinite: true });
    } catch (e) {
      if (e instanceof FederaError && e.code === 'E_STATE_FILE') throw e;
      bad(`has an unreadable entry '${key}'`, e);
    }
    out.set(key, msg);
    p += n;
  }
  if (p !== end) bad(`has ${end - p} bytes after its last entry`);
  return { run, entries: out };
}

function checkIndex(
  index: unknown,
  bad: (what: string) => never,
): { run: string | undefined; entries: readonly IndexEntry[] } {
  if (typeof index !== 'object' || index === null || !Array.isArray((index as { entries?: unknown }).entries)) {
    bad('has an index without an "entries" array');
  }
  const { run, entries } = index as { run?: unknown; entries: unknown[] };
  if (run !== undefined && (typeof run !== 'string' || run === '')) bad('has an index whose "run" is not a run id');
  const seen = new Set<string>();
  for (const e of entries) {
    const { key, bytes } = (e ?? {}) as { key?: unknown; bytes?: unknown };
    if (typeof key !== 'string' || key === '' || !(Number.isSafeInteger(bytes) && (bytes as number) > 0)) {
      bad(`has a bad index entry ${JSON.stringify(e)} (expected {"key": string, "bytes": positive integer})`);
    }
    if (seen.has(key)) bad(`has the key '${key}' twice`);
    seen.add(key);
  }
  return { run: run as string | undefined, entries: entries as IndexEntry[] };
}

/** Writes `bytes` to `<path>.tmp`, fsyncs it, renames it over `path`, then fsyncs the folder. */
function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw new FederaError(
      'E_STATE_FILE',
      `client state file '${path}' could not be written: ${(e as Error).message}`,
      'check that its folder is writable and the disk has room; the state on disk is the previous one',
    );
  }
  try {
    // Makes the rename itself durable; not possible on every platform (Windows), where it is skipped.
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // best effort
  }
}

function stateError(path: string, what: string, cause?: unknown, fix = FIX): FederaError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new FederaError('E_STATE_FILE', `client state file '${path}' ${what}${why}`, fix);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
