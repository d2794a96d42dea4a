import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoundRecord } from '@federa/core';
import type { AuditRow, Checkpoint, ClientRow, RunRow, Store } from './store.js';

/**
 * One store location for one test: `open` connects to it (again after a close, to check what
 * persisted), `dispose` removes it (temp file, schema).
 */
export interface StoreFixture {
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

/**
 * Registers, under `describe(name)`, the behaviour every persistent Store must have: the
 * same rows come back after a close and reopen, `saveRound` is all or nothing, `findRun`
 * ignores finished runs, NaN survives, `touchClient` only raises lastSeq. `fixture` makes a
 * fresh, empty location per test. With `skip`, the cases are registered as skipped with that
 * reason (e.g. no database server configured).
 *
 * @example
 * storeContract('SqliteStore', async () => sqliteFixture());
 */
export function storeContract(name: string, fixture: () => Promise<StoreFixture>, opts: { skip?: string } = {}): void {
  const skip = opts.skip ? { skip: opts.skip } : {};
  /** Runs `body` with a fresh location; closes every store it opened and disposes the location. */
  const withStore = (body: (s: Store, reopen: () => Promise<Store>) => Promise<void>) => async () => {
    const f = await fixture();
    const opened: Store[] = [];
    const open = async () => {
      const s = await f.open();
      opened.push(s);
      return s;
    };
    try {
      await body(await open(), async () => {
        for (const s of opened) await s.close();
        return open();
      });
    } finally {
      for (const s of opened) await s.close();
      await f.dispose();
    }
  };

  describe(name, skip, () => {
    test(
      'a created run comes back from findRun, field for field, also after reopening',
      withStore(async (s, reopen) => {
        await s.createRun(run('r1', 'mnist', '2026-01-01T00:00:00.000Z'));
        assert.equal(await s.findRun('other'), undefined);
        const expected: RunRow = {
          ...run('r1', 'mnist', '2026-01-01T00:00:00.000Z'),
          status: 'running',
          stopReason: null,
        };
        assert.deepEqual(await s.findRun('mnist'), expected);
        assert.deepEqual(await (await reopen()).findRun('mnist'), expected);
      }),
    );

    test(
      'findRun returns the newest unfinished run of the name and ignores finished ones',
      withStore(async (s) => {
        await s.createRun(run('old', 'x', '2026-01-01T00:00:00.000Z'));
        await s.createRun(run('new', 'x', '2026-01-02T00:00:00.000Z'));
        await s.createRun(run('other', 'y', '2026-01-03T00:00:00.000Z'));
        assert.equal((await s.findRun('x'))?.id, 'new');
        await s.finishRun('new', 'rounds');
        assert.equal((await s.findRun('x'))?.id, 'old');
        await s.finishRun('old', 'aborted');
        assert.equal(await s.findRun('x'), undefined);
        assert.equal((await s.findRun('y'))?.id, 'other');
      }),
    );

    test(
      'creating a run with a stored id is refused and the stored run stays',
      withStore(async (s) => {
        await s.createRun(run('r1', 'a', '2026-01-01T00:00:00.000Z'));
        await assert.rejects(
          s.createRun({ ...run('r1', 'b', '2026-01-05T00:00:00.000Z'), seed: 99 }),
          storeError(/createRun\('r1'\).*run with this id is already stored/),
        );
        assert.equal((await s.findRun('a'))?.seed, 7);
        assert.equal(await s.findRun('b'), undefined);
      }),
    );

    test(
      'saving a stored round again is refused (E_STORE) and the stored round and checkpoint stay',
      withStore(async (s) => {
        await s.createRun(run('r', 'r', '2026-01-01T00:00:00.000Z'));
        await s.saveRound('r', record(1, { loss: 0.5 }), checkpoint(1, 1));
        await assert.rejects(
          s.saveRound('r', record(1, { loss: 0.9 }), checkpoint(1, 2)),
          storeError(/round 1\b.*already stored.*nothing was written/),
        );
        assert.deepEqual(await s.rounds('r'), [record(1, { loss: 0.5 })]);
        assert.deepEqual(await s.latestCheckpoint('r'), checkpoint(1, 1));
      }),
    );

    test(
      'a round of an unknown run is refused (E_STORE) and nothing is written',
      withStore(async (s) => {
        await assert.rejects(
          s.saveRound('ghost', record(1), checkpoint(1, 1), { seq: 0, entry: '{}' }),
          storeError(/not in the store/),
        );
        assert.deepEqual(await s.auditRows(), []);
      }),
    );

    test(
      'round records come back in round order, per run, with NaN and ±Infinity kept',
      withStore(async (s, reopen) => {
        await s.createRun(run('a', 'a', '2026-01-01T00:00:00.000Z'));
        await s.createRun(run('b', 'b', '2026-01-01T00:00:00.000Z'));
        const r1 = record(1, { accuracy: Number.NaN, loss: Number.NaN, metrics: { f1_0: Number.POSITIVE_INFINITY } });
        const r2 = record(2, { fedLoss: Number.NEGATIVE_INFINITY, fedAccuracy: 0.25 });
        await s.saveRound('a', r2, checkpoint(2, 1));
        await s.saveRound('a', r1, checkpoint(1, 2));
        await s.saveRound('b', record(1), checkpoint(1, 3));
        const again = await reopen();
        const back = await again.rounds('a');
        assert.deepEqual(back, [r1, r2]);
        assert.ok(Number.isNaN(back[0]?.accuracy) && back[0]?.metrics.f1_0 === Number.POSITIVE_INFINITY);
        assert.equal(back[1]?.fedLoss, Number.NEGATIVE_INFINITY);
        assert.deepEqual(await again.rounds('nope'), []);
        assert.equal((await again.rounds('b')).length, 1);
      }),
    );

    test(
      'latestCheckpoint returns the last saved round bit for bit after reopening',
      withStore(async (s, reopen) => {
        await s.createRun(run('r', 'r', '2026-01-01T00:00:00.000Z'));
        assert.equal(await s.latestCheckpoint('r'), undefined);
        for (let round = 1; round <= 4; round++) await s.saveRound('r', record(round), checkpoint(round, round));
        // A view into a larger buffer: only its own bytes are stored.
        const big = new Uint8Array(5000).fill(0xee);
        const view = big.subarray(100, 100 + 4000);
        view.set(checkpoint(5, 5).weights);
        const last: Checkpoint = {
          round: 5,
          weights: view,
          strategyTensors: new Uint8Array([0, 255, 1]),
          strategyJson: '{"eps":1.5}',
        };
        await s.saveRound('r', record(5), last);
        const back = await (await reopen()).latestCheckpoint('r');
        assert.equal(back?.round, 5);
        assert.deepEqual(Buffer.from(back?.weights ?? []), Buffer.from(checkpoint(5, 5).weights));
        assert.deepEqual(back?.strategyTensors, new Uint8Array([0, 255, 1]));
        assert.equal(back?.strategyJson, '{"eps":1.5}');
        await s.close();
        const fresh = await reopen();
        await fresh.saveRound('r', record(6), checkpoint(6, 6));
        const six = await fresh.latestCheckpoint('r');
        assert.deepEqual(six, checkpoint(6, 6));
        assert.equal(six?.strategyTensors, null);
        assert.equal(six?.strategyJson, null);
      }),
    );

    test(
      'a saveRound that fails midway (duplicate audit seq) leaves no record, checkpoint or audit row of it',
      withStore(async (s, reopen) => {
        await s.createRun(run('r', 'r', '2026-01-01T00:00:00.000Z'));
        await s.saveRound('r', record(1), checkpoint(1, 1), auditRow(1));
        await s.saveRound('r', record(2), checkpoint(2, 2), auditRow(2));
        await assert.rejects(s.saveRound('r', record(3), checkpoint(3, 3), auditRow(2, 'forged')));
        const after = await reopen();
        assert.deepEqual(
          (await after.rounds('r')).map((r) => r.round),
          [1, 2],
        );
        assert.deepEqual(await after.latestCheckpoint('r'), checkpoint(2, 2));
        assert.deepEqual(await after.auditRows(), [auditRow(1), auditRow(2)]);
        assert.deepEqual(await after.auditHead(), { seq: 2, hash: 'h2' });
        // The store still works: the round commits once its audit row is right.
        await after.saveRound('r', record(3), checkpoint(3, 3), auditRow(3));
        assert.equal((await after.latestCheckpoint('r'))?.round, 3);
      }),
    );

    test(
      'audit rows come back in seq order and the head is the last one',
      withStore(async (s, reopen) => {
        assert.equal(await s.auditHead(), undefined);
        assert.deepEqual(await s.auditRows(), []);
        await s.createRun(run('r', 'r', '2026-01-01T00:00:00.000Z'));
        await s.setAuditKey('key-1');
        await s.setAuditKey('key-2');
        for (let k = 1; k <= 3; k++) await s.saveRound('r', record(k), checkpoint(k, k), auditRow(k));
        await s.saveRound('r', record(4), checkpoint(4, 4));
        const back = await reopen();
        assert.deepEqual(await back.auditRows(), [auditRow(1), auditRow(2), auditRow(3)]);
        assert.deepEqual(await back.auditHead(), { seq: 3, hash: 'h3' });
      }),
    );

    test(
      'clients: put replaces, get and list return the same rows, sorted by id',
      withStore(async (s, reopen) => {
        assert.equal(await s.getClient('x'), undefined);
        await s.putClient(client('site-b', 1));
        await s.putClient(client('site-a', 2));
        await s.putClient(client('Site-c', 3));
        await s.putClient({ ...client('site-b', 9), numExamples: 600, lastSeq: 12 });
        const back = await reopen();
        assert.deepEqual(await back.getClient('site-b'), { ...client('site-b', 9), numExamples: 600, lastSeq: 12 });
        assert.deepEqual(
          (await back.clients()).map((c) => c.id),
          ['Site-c', 'site-a', 'site-b'],
        );
        assert.deepEqual((await back.clients())[1], client('site-a', 2));
      }),
    );

    test(
      'touchClient raises lastSeq, never lowers it, and updates lastSeen',
      withStore(async (s, reopen) => {
        await s.putClient(client('c', 1));
        await s.touchClient('c', 5);
        const seen = (await s.getClient('c'))?.lastSeen ?? '';
        assert.equal((await s.getClient('c'))?.lastSeq, 5);
        assert.ok(seen > client('c', 1).lastSeen, 'lastSeen moves on');
        await s.touchClient('c', 3);
        assert.equal((await s.getClient('c'))?.lastSeq, 5, 'a lower seq does not lower it');
        await s.touchClient('c', 2 ** 40);
        await s.touchClient('nobody', 9);
        const back = await reopen();
        assert.equal((await back.getClient('c'))?.lastSeq, 2 ** 40);
        assert.equal(await back.getClient('nobody'), undefined);
      }),
    );
  });
}

const storeError = (pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === 'E_STORE' && pattern.test(e.message);

function run(id: string, name: string, createdAt: string): Omit<RunRow, 'status' | 'stopReason'> {
  return { id, name, configHash: `hash-${name}`, configJson: `{"name":"${name}"}`, seed: 7, rounds: 10, createdAt };
}

function record(round: number, over: Partial<RoundRecord> = {}): RoundRecord {
  return {
    round,
    loss: 0.5 / round,
    accuracy: 0.1 * round,
    trainLoss: 1 / (round + 1),
    sampled: 3,
    succeeded: 2,
    failed: 1,
    durationMs: 12.5,
    bytesDown: 4096,
    bytesUp: 2048,
    metrics: { clip: 0.1 },
    clients: [],
    time: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A checkpoint with 4,000 deterministic pseudo-random bytes derived from `salt`. */
function checkpoint(round: number, salt: number): Checkpoint {
  const weights = new Uint8Array(4000);
  let x = (salt * 2654435761) >>> 0;
  for (let k = 0; k < weights.length; k++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    weights[k] = x >>> 24;
  }
  return { round, weights, strategyTensors: null, strategyJson: null };
}

function auditRow(seq: number, tag = 'ok'): AuditRow {
  return { seq, entry: JSON.stringify({ seq, hash: `h${seq}`, tag }) };
}

function client(id: string, salt: number): ClientRow {
  return {
    id,
    publicKey: new Uint8Array(32).fill(salt),
    tokenHash: `token-${salt}`,
    lastSeq: 0,
    numExamples: 100 * salt,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
  };
}
