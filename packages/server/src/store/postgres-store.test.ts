import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  FedAdam,
  generateAuditKeys,
  LocalGrid,
  type RoundRecord,
  runFederated,
  SoftmaxClient,
  verifyAuditChain,
} from '@federa/core';
import pg from 'pg';
import { softmaxInitial, softmaxShards, trainStopAndResume } from '../testing/fixtures.js';
import { PostgresStore } from './postgres-store.js';
import type { Checkpoint, RunRow } from './store.js';
import { storeContract } from './store-contract.js';

// PostgresStore against a real server: FEDERA_PG_URL (e.g. from scripts/start-postgres.sh).
// Each test gets a schema of its own and drops it at the end. Without the variable the
// cases that need a server are skipped; the URL and connection-error checks always run.
const URL = process.env.FEDERA_PG_URL;
const skip = URL ? undefined : 'FEDERA_PG_URL unset: run scripts/start-postgres.sh';

/** A fresh schema name: tests are independent and can run in parallel on one database. */
const freshSchema = () => `federa_t_${randomBytes(6).toString('hex')}`;

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

storeContract(
  'PostgresStore (Store contract)',
  async () => {
    const schema = freshSchema();
    return {
      open: () => PostgresStore.connect(URL as string, { schema }),
      dispose: () => dropSchema(schema),
    };
  },
  skip ? { skip } : {},
);

/** Runs `body` with a fresh schema, dropped afterwards (stores opened through `open` are closed). */
const inSchema = (body: (open: () => Promise<PostgresStore>, schema: string) => Promise<void>) => async () => {
  const schema = freshSchema();
  const opened: PostgresStore[] = [];
  try {
    await body(async () => {
      const s = await PostgresStore.connect(URL as string, { schema });
      opened.push(s);
      return s;
    }, schema);
  } finally {
    for (const s of opened) await s.close();
    await dropSchema(schema);
  }
};

const run: Omit<RunRow, 'status' | 'stopReason'> = {
  id: 'run-1',
  name: 'mnist',
  configHash: 'h',
  configJson: '{}',
  seed: 2 ** 40 + 1,
  rounds: 5,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function record(round: number, accuracy: number): RoundRecord {
  return {
    round,
    loss: 1,
    accuracy,
    trainLoss: 1,
    sampled: 1,
    succeeded: 1,
    failed: 0,
    durationMs: 1,
    bytesDown: 1,
    bytesUp: 1,
    metrics: {},
    clients: [],
    time: '2026-01-01T00:00:00.000Z',
  };
}

const ckpt = (round: number, fill: number): Checkpoint => ({
  round,
  weights: new Uint8Array(1000).fill(fill),
  strategyTensors: null,
  strategyJson: null,
});

const isStoreError = (pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === 'E_STORE' && pattern.test(e.message);

describe('PostgresStore on a server', skip ? { skip } : {}, () => {
  test(
    'saving a stored round again is refused (E_STORE) and the stored round stays bit for bit',
    inSchema(async (open) => {
      const s = await open();
      await s.createRun(run);
      assert.equal((await s.findRun('mnist'))?.seed, 2 ** 40 + 1, 'BIGINT comes back as a number');
      await s.saveRound('run-1', record(1, 0.5), ckpt(1, 1));
      await assert.rejects(
        s.saveRound('run-1', record(1, 0.9), ckpt(1, 2)),
        isStoreError(/round 1\b.*already stored.*nothing was written/),
      );
      assert.deepEqual(await s.rounds('run-1'), [record(1, 0.5)]);
      assert.deepEqual(await s.latestCheckpoint('run-1'), ckpt(1, 1));
      await assert.rejects(
        s.createRun({ ...run, name: 'other' }),
        isStoreError(/createRun\('run-1'\).*run with this id/),
      );
    }),
  );

  test(
    'two servers on one schema saving the same round at once: one wins, the other gets E_STORE',
    inSchema(async (open) => {
      const a = await open();
      const b = await open();
      await a.createRun(run);
      const results = await Promise.allSettled([
        a.saveRound('run-1', record(1, 0.1), ckpt(1, 1), { seq: 1, entry: '{"seq":1,"hash":"a"}' }),
        b.saveRound('run-1', record(1, 0.2), ckpt(1, 2), { seq: 1, entry: '{"seq":1,"hash":"b"}' }),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      assert.ok(won >= 0 && lost, `exactly one commit: ${results.map((r) => r.status)}`);
      assert.equal((lost.reason as { code?: string }).code, 'E_STORE');
      assert.deepEqual(await b.rounds('run-1'), [record(1, won === 0 ? 0.1 : 0.2)]);
      assert.deepEqual(await b.latestCheckpoint('run-1'), ckpt(1, won === 0 ? 1 : 2));
      assert.equal((await a.auditRows()).length, 1);
    }),
  );

  test(
    'a round of an unknown run is refused and nothing is written',
    inSchema(async (open) => {
      const s = await open();
      await assert.rejects(
        s.saveRound('ghost', record(1, 0.5), ckpt(1, 1), { seq: 1, entry: '{}' }),
        isStoreError(/run 'ghost'.*not in the store/),
      );
      assert.deepEqual(await s.auditRows(), []);
    }),
  );

  test(
    'keeps the two newest checkpoints of a run, as SqliteStore does',
    inSchema(async (open, schema) => {
      const s = await open();
      await s.createRun(run);
      for (let r = 1; r <= 5; r++) await s.saveRound('run-1', record(r, 0), ckpt(r, r));
      const c = new pg.Client({ connectionString: URL });
      await c.connect();
      try {
        const rows = await c.query(`SELECT round FROM "${schema}".checkpoints ORDER BY round`);
        assert.deepEqual(
          rows.rows.map((r) => r.round),
          [4, 5],
        );
      } finally {
        await c.end();
      }
    }),
  );

  test(
    'connect creates the schema once (concurrent servers too), records version 1, and refuses a newer one',
    inSchema(async (open, schema) => {
      const logs: string[] = [];
      const [a, b] = await Promise.all([open(), open()]);
      await a.createRun(run);
      const again = await PostgresStore.connect(URL as string, { schema, log: (l) => logs.push(l) });
      assert.equal((await again.findRun('mnist'))?.id, 'run-1', 'reconnecting keeps the data');
      await again.close();
      assert.match(logs.join('\n'), new RegExp(`schema ${schema} at version 1`));
      const c = new pg.Client({ connectionString: URL });
      await c.connect();
      try {
        const v = await c.query(`SELECT version FROM "${schema}".schema_version`);
        assert.deepEqual(
          v.rows.map((r) => r.version),
          [1],
        );
        await c.query(`INSERT INTO "${schema}".schema_version VALUES (2, 'later')`);
      } finally {
        await c.end();
      }
      await assert.rejects(PostgresStore.connect(URL as string, { schema }), isStoreError(/version 2, newer/));
      await b.close();
      await b.close();
      await assert.rejects(b.findRun('mnist'), isStoreError(/closed/));
    }),
  );

  test(
    'a stopped FederaServer resumes from its PostgreSQL checkpoint (FedAdam state included), bit-identical to an uninterrupted run, its audit chain unbroken',
    inSchema(async (open) => {
      const audit = await generateAuditKeys();
      const fedAdam = () =>
        new FedAdam({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1, serverLr: 0.05, evaluateFraction: 1 });
      const shards = softmaxShards(3);
      const reference = await runFederated({
        grid: new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, new SoftmaxClient(d, `site-${k}`)])),
        strategy: fedAdam(),
        initial: softmaxInitial(),
        rounds: 4,
        seed: 5,
      });
      const plan = {
        name: 'adam',
        config: { s: 'fedadam' },
        seed: 5,
        rounds: 4,
        initial: softmaxInitial(),
        minClients: 3,
      };
      const {
        cut,
        resumed: r,
        store,
      } = await trainStopAndResume({
        open,
        shards,
        plan,
        strategy: fedAdam,
        cutAfter: 2,
        server: { audit },
        afterCut: async (_, stopped) => assert.equal(stopped.stopReason, 'aborted'),
      });
      assert.equal(r.runId, cut.runId);
      assert.equal(r.startRound, 3);
      assert.deepEqual(r.weights.data, reference.weights.data);
      assert.deepEqual(
        (await store.rounds(r.runId)).map((x) => [x.round, x.trainLoss]),
        reference.history.rounds.map((x) => [x.round, x.trainLoss]),
      );
      assert.equal(await store.findRun('adam'), undefined, 'the run is marked finished');
      const enrolled = await store.clients();
      assert.deepEqual(
        enrolled.map((c) => c.id),
        ['site-0', 'site-1', 'site-2'],
      );
      assert.ok(
        enrolled.every((c) => c.lastSeq > 0),
        'reply sequence numbers were persisted',
      );
      const rows = await store.auditRows();
      assert.deepEqual(
        rows.map((x) => x.seq),
        [0, 1, 2, 3],
        'one audit row per round, the chain continued after the restart',
      );
      const key = (await store.auditPublicKey()) as string;
      const check = await verifyAuditChain(
        rows.map((x) => JSON.parse(x.entry)),
        key,
      );
      assert.equal(check.ok, true, JSON.stringify(check));
    }),
  );

  test('a database that does not exist is named, with the fix', async () => {
    const u = new globalThis.URL(URL as string);
    u.pathname = '/federa_no_such_db';
    await assert.rejects(
      PostgresStore.connect(u.toString()),
      isStoreError(/no database 'federa_no_such_db'.*createdb/),
    );
  });
});

describe('PostgresStore connection errors (no server needed)', () => {
  test('an unreachable server is E_STORE naming host and port, never the password', async () => {
    const t0 = performance.now();
    await assert.rejects(
      PostgresStore.connect('postgres://alice:s3cret-pw@127.0.0.1:1/db', { connectTimeoutMs: 3000 }),
      (e: Error & { code?: string }) =>
        e.code === 'E_STORE' &&
        /cannot reach PostgreSQL at 127\.0\.0\.1:1 \(database db\)/.test(e.message) &&
        /start-postgres\.sh/.test(e.message) &&
        !e.message.includes('s3cret'),
    );
    assert.ok(performance.now() - t0 < 3000, 'a refused connection fails at once');
  });

  test('malformed URLs and schema names are E_ARG, before any connection', async () => {
    for (const [url, why] of [
      ['not a url', /is not a URL/],
      ['mysql://bob:pw@host/db', /must start with postgres:\/\//],
      ['postgres:///db', /names no host/],
    ] as const) {
      await assert.rejects(
        PostgresStore.connect(url),
        (e: Error & { code?: string }) => e.code === 'E_ARG' && why.test(e.message) && !e.message.includes(':pw@'),
      );
    }
    await assert.rejects(
      PostgresStore.connect('postgres://u@127.0.0.1:1/db', { schema: 'bad; DROP TABLE x' }),
      (e: Error & { code?: string }) => e.code === 'E_ARG' && /schema/.test(e.message),
    );
  });
});
