import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  blobs,
  crc32,
  FederaError,
  MemoryClientState,
  Rng,
  SCAFFOLD_STATE_KEY,
  SoftmaxClient,
  type TrainIns,
  Weights,
  withControl,
} from '@federa/core';
import { eventRunId, FileClientState, runBinder } from './node-client-state.js';
import type { ClientEvent } from './runtime.js';

const root = mkdtempSync(join(tmpdir(), 'federa-state-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${n++}`, 'client.state');

function random(specs: { name: string; shape: number[] }[], seed: number): Weights {
  const w = new Weights(specs);
  const rng = new Rng(seed);
  for (let i = 0; i < w.data.length; i++) w.data[i] = rng.normal(0, 1) * 10 ** rng.int(8);
  return w;
}

function assertSame(a: Weights | undefined, b: Weights): void {
  assert.ok(a);
  assert.deepEqual(a.specs, b.specs);
  assert.deepEqual(
    new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength),
  );
}

function refused(fn: () => unknown, pattern: RegExp, what = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FederaError, what);
    assert.equal(e.code, 'E_STATE_FILE', what);
    assert.match(e.message, pattern, what);
    assert.match(e.message, /client\.state/, 'names the path');
    assert.match(e.message, /delete the file/, 'says the fix');
    return true;
  });
}

test('several keys round-trip bit for bit (names, shapes, Float32 data, NaN and -0 included) through a reopen', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  assert.deepEqual(s.keys(), []);
  assert.equal(existsSync(path), false, 'nothing is written before the first set');
  const a = random(
    [
      { name: 'dense/kernel', shape: [3, 4] },
      { name: 'dense/bias', shape: [4] },
    ],
    1,
  );
  const b = random(
    [
      { name: 'scalar', shape: [] },
      { name: 'conv/k', shape: [2, 1, 3, 2] },
    ],
    2,
  );
  b.data[0] = -0;
  b.data[1] = Number.NaN;
  b.data[2] = Number.POSITIVE_INFINITY;
  s.set('scaffold/ci', a);
  s.set('ditto/v', b);
  s.set('fedper/personal', a);
  s.set('scaffold/ci', b); // overwrite keeps the key's place
  assert.ok(existsSync(path), 'the parent folder and the file are created on the first write');
  const r = FileClientState.open(path);
  assert.deepEqual(r.keys(), ['scaffold/ci', 'ditto/v', 'fedper/personal']);
  assertSame(r.get('scaffold/ci'), b);
  assertSame(r.get('ditto/v'), b);
  assertSame(r.get('fedper/personal'), a);
  assert.equal(r.get('absent'), undefined);
  assert.ok(Object.is(r.get('ditto/v')?.data[0], -0));
});

test('values are snapshots: mutating what was set or got changes neither memory nor disk', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  const w = random([{ name: 'w', shape: [5] }], 3);
  const keep = w.clone();
  s.set('k', w);
  w.data.fill(7);
  s.get('k')?.data.fill(9);
  assertSame(s.get('k'), keep);
  assertSame(FileClientState.open(path).get('k'), keep);
});

test('delete persists; deleting an absent key writes nothing', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  s.set('a', random([{ name: 'w', shape: [2] }], 4));
  s.set('b', random([{ name: 'w', shape: [3] }], 5));
  s.delete('a');
  assert.deepEqual(FileClientState.open(path).keys(), ['b']);
  const before = readFileSync(path);
  s.delete('nope');
  assert.deepEqual(readFileSync(path), before);
  s.delete('b');
  const r = FileClientState.open(path);
  assert.deepEqual(r.keys(), []);
});

test('reopening after a crash mid-write: the leftover .tmp is removed and the last complete state is read', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  const w = random([{ name: 'w', shape: [4, 4] }], 6);
  s.set('scaffold/ci', w);
  // A crash after writing half of the next state to <path>.tmp, before the rename.
  writeFileSync(`${path}.tmp`, readFileSync(path).subarray(0, 20));
  const r = FileClientState.open(path);
  assert.equal(existsSync(`${path}.tmp`), false);
  assertSame(r.get('scaffold/ci'), w);
  r.set('x', w);
  assert.equal(existsSync(`${path}.tmp`), false, 'a write leaves no .tmp behind');
});

test('hold keeps changes in memory until flush writes them in one write', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  const w = random([{ name: 'w', shape: [3] }], 7);
  s.hold();
  s.set('a', w);
  s.set('b', w);
  assert.equal(existsSync(path), false, 'nothing written while held');
  assert.deepEqual(s.keys(), ['a', 'b'], 'but the state reads its own writes');
  assert.equal(s.pending, true);
  s.flush();
  assert.equal(s.pending, false);
  assert.deepEqual(FileClientState.open(path).keys(), ['a', 'b']);
  // A crash while held: the file keeps the state from before the hold.
  s.hold();
  s.delete('a');
  s.set('b', random([{ name: 'w', shape: [3] }], 70));
  const reopened = FileClientState.open(path);
  assert.deepEqual(reopened.keys(), ['a', 'b']);
  assertSame(reopened.get('b'), w);
  s.flush();
  assert.deepEqual(FileClientState.open(path).keys(), ['b']);
  s.set('c', w); // after flush, writes go straight to disk again
  assert.deepEqual(FileClientState.open(path).keys(), ['b', 'c']);
  const before = readFileSync(path);
  s.hold();
  s.flush();
  assert.deepEqual(readFileSync(path), before, 'a flush with nothing held writes nothing new');
});

test("bindRun: an unbound state is adopted, another run's entries are dropped, an empty run id forgets the run", () => {
  const path = fresh();
  const s = FileClientState.open(path);
  const w = random([{ name: 'w', shape: [3] }], 8);
  const none = FileClientState.open(`${path}-empty`);
  assert.deepEqual(none.bindRun('run-0'), []);
  assert.equal(existsSync(`${path}-empty`), false, 'an empty state writes no file');
  s.set('scaffold/ci', w);
  assert.deepEqual(s.bindRun(''), []);
  assert.deepEqual(s.bindRun('run-1'), [], 'an unbound state is adopted by the first run');
  assertSame(s.get('scaffold/ci'), w);
  const r = FileClientState.open(path);
  assert.equal(r.run, 'run-1');
  assert.deepEqual(r.bindRun('run-1'), []);
  // The server restarts and welcomes before reopening run-1: the entries stay, unbound.
  assert.deepEqual(r.bindRun(''), []);
  assert.equal(FileClientState.open(path).run, undefined);
  assert.deepEqual(r.bindRun('run-1'), []);
  assertSame(FileClientState.open(path).get('scaffold/ci'), w);
  // A new run: run-1's c_i must not bias it.
  assert.deepEqual(r.bindRun('run-2'), ['scaffold/ci']);
  const r2 = FileClientState.open(path);
  assert.equal(r2.run, 'run-2');
  assert.deepEqual(r2.keys(), []);
});

test('eventRunId reads the run of a Welcome and of a task that carries one', () => {
  const welcome = (runId: string): ClientEvent => ({
    type: 'connected',
    welcome: { clientId: 'a', runId, model: undefined },
  });
  assert.equal(eventRunId(welcome('run-7')), 'run-7');
  assert.equal(eventRunId(welcome('')), '');
  assert.equal(eventRunId({ type: 'task', runId: '', round: 1, kind: 'train' }), '');
  assert.equal(eventRunId({ type: 'task', round: 1, kind: 'train', runId: 'run-8' }), 'run-8');
  assert.equal(eventRunId({ type: 'accepted', taskId: 't' }), undefined);
});

test('runBinder binds the state to the run that Welcomes and tasks name, before a task uses it', () => {
  const welcome = (runId: string): ClientEvent => ({
    type: 'connected',
    welcome: { clientId: 'a', runId, model: undefined },
  });
  const task = { type: 'task', runId: '', round: 1, kind: 'train' } as const;
  const w = random([{ name: 'w', shape: [2] }], 15);
  const stale = () => {
    const path = fresh();
    const s = FileClientState.open(path);
    s.bindRun('old');
    s.set('scaffold/ci', w);
    return { path, s };
  };
  const drops: string[] = [];
  const onDropped = (run: string, keys: readonly string[]) => drops.push(`${run}:${keys.join()}`);

  // A Welcome naming a new run drops the old run's entries; naming the same run keeps them.
  let { path, s } = stale();
  let on = runBinder(s, onDropped);
  on(welcome('old'));
  assert.deepEqual(s.keys(), ['scaffold/ci']);
  on(welcome('new'));
  assert.deepEqual(FileClientState.open(path).keys(), []);
  assert.deepEqual(drops, ['new:scaffold/ci']);

  // No run named at Welcome, then a task naming one: exact.
  ({ path, s } = stale());
  on = runBinder(s, onDropped);
  on(welcome(''));
  assert.equal(s.run, 'old', 'an unnamed Welcome alone changes nothing');
  on({ ...task, runId: 'new' } as ClientEvent);
  assert.deepEqual(s.keys(), []);
  assert.equal(FileClientState.open(path).run, 'new');

  // No run named at Welcome nor in the task: the state forgets its run, and what it learns
  // then is adopted (not dropped) when a later Welcome names the run.
  ({ path, s } = stale());
  on = runBinder(s, onDropped);
  on(welcome(''));
  on(task);
  assert.equal(s.run, undefined);
  s.set('scaffold/ci', w.clone().scale(2));
  on(welcome('new'));
  assert.deepEqual(FileClientState.open(path).keys(), ['scaffold/ci']);
  assert.equal(FileClientState.open(path).run, 'new');
  assert.equal(drops.length, 2);
});

/** Builds a valid file with the given index JSON text and payload, checksummed. */
function craft(json: string, payload = new Uint8Array(0)): Uint8Array {
  const j = new TextEncoder().encode(json);
  const at = (12 + j.length + 3) & ~3;
  const out = new Uint8Array(at + payload.length + 4);
  const v = new DataView(out.buffer);
  out.set([0x46, 0x44, 0x52, 0x53]);
  v.setUint16(4, 1, true);
  v.setUint32(8, j.length, true);
  out.set(j, 12);
  out.set(payload, at);
  v.setUint32(at + payload.length, crc32(out.subarray(0, at + payload.length)), true);
  return out;
}

test('a corrupt or foreign file is refused with E_STATE_FILE naming the path and the fix', () => {
  const path = fresh();
  const s = FileClientState.open(path);
  s.set('scaffold/ci', random([{ name: 'w', shape: [8] }], 9));
  const good = readFileSync(path);
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated', good.subarray(0, good.length - 9), /checksum|truncated/],
    ['cut in the header', good.subarray(0, 10), /truncated/],
    ['empty', new Uint8Array(0), /truncated/],
    ['wrong magic', new TextEncoder().encode('{"some": "json config file"}'), /not a federa client state/],
    ['a flipped payload bit', good.map((b, i) => (i === good.length - 10 ? b ^ 1 : b)), /checksum/],
    ['bad JSON index', craft('{"entries": [}'), /not JSON/],
    ['index without entries', craft('{"keys": []}'), /"entries"/],
    ['bad index entry', craft('{"entries": [{"key": "a", "bytes": -4}]}'), /bad index entry/],
    ['entry past the end', craft('{"entries": [{"key": "a", "bytes": 400}]}'), /truncated/],
    [
      'entry not a codec message',
      craft('{"entries": [{"key": "a", "bytes": 8}]}', new Uint8Array(8).fill(1)),
      /unreadable entry 'a'/,
    ],
    ['trailing bytes', craft('{"entries": []}', new Uint8Array(8)), /after its last entry/],
  ];
  for (const [what, bytes, pattern] of cases) {
    writeFileSync(path, bytes);
    refused(() => FileClientState.open(path), pattern, what);
  }
  const v2 = craft('{"entries": []}');
  v2[4] = 2;
  writeFileSync(path, v2);
  refused(() => FileClientState.open(path), /version 2/);
  writeFileSync(path, craft('{"entries": []}'));
  assert.deepEqual(FileClientState.open(path).keys(), [], 'a valid empty state reads');
});

test('a SCAFFOLD client that restarts between rounds (reopening its state file) keeps c_i bit for bit', async () => {
  const rng = new Rng(11);
  const data = blobs(40, 5, 3, rng);
  const config = { scaffold: true, epochs: 2, batchSize: 8, lr: 0.1 };
  const x1 = random(
    [
      { name: 'w', shape: [5, 3] },
      { name: 'b', shape: [3] },
    ],
    12,
  ).scale(1e-8);
  const c1 = x1.zerosLike();
  const round = (r: number, x: Weights, c: Weights): TrainIns => ({
    clientId: 'site-1',
    round: r,
    weights: withControl(x, c),
    config: { ...config, seed: r },
  });
  // The server's round-2 model and control (any values: they are the same for both clients).
  const x2 = random(
    [
      { name: 'w', shape: [5, 3] },
      { name: 'b', shape: [3] },
    ],
    13,
  ).scale(1e-7);
  const c2 = random(
    [
      { name: 'w', shape: [5, 3] },
      { name: 'b', shape: [3] },
    ],
    14,
  ).scale(1e-9);

  const steady = new SoftmaxClient(data, 'site-1', new MemoryClientState());
  await steady.train(round(1, x1, c1));
  const want = await steady.train(round(2, x2, c2));

  const path = fresh();
  const before = new SoftmaxClient(data, 'site-1', FileClientState.open(path));
  await before.train(round(1, x1, c1));
  const ci1 = before.state.get(SCAFFOLD_STATE_KEY);
  assert.ok(ci1 && ci1.norm() > 0, 'round 1 leaves a non-zero c_i');
  // The process restarts: a new state object read from the file, a new client.
  const after = new SoftmaxClient(data, 'site-1', FileClientState.open(path));
  const got = await after.train(round(2, x2, c2));
  assertSame(after.state.get(SCAFFOLD_STATE_KEY), steady.state.get(SCAFFOLD_STATE_KEY) as Weights);
  assertSame(got.update, want.update);

  // Without the file (today's in-memory client after a restart) c_i restarts from zero and differs.
  const amnesic = new SoftmaxClient(data, 'site-1', new MemoryClientState());
  const lost = await amnesic.train(round(2, x2, c2));
  assert.notDeepEqual(lost.update.data, want.update.data);
});
