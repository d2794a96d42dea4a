// The Store's cost per round: saveRound latency (record + a 100k-parameter checkpoint + an
// audit row, one transaction) for SqliteStore (a file: WAL, synchronous = FULL) and
// PostgresStore (FEDERA_PG_URL, e.g. from scripts/start-postgres.sh), interleaved round by
// round in one run so both see the same machine load; then latestCheckpoint (a resume).
//   npm run bench -- store [--quick]        (--quick: 30 rounds instead of 150)
// Without FEDERA_PG_URL the PostgreSQL half is skipped (its figures are null).
// Last line: {"bench":"store","params":…,"checkpoint_kb":…,"rounds":…,"sqlite_ms":…,"postgres_ms":…,"ratio":…,…}
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWeights, Rng, type RoundRecord, Weights } from '@federa/core';
import { type Checkpoint, SqliteStore, type Store } from '@federa/server';
import pg from 'pg';
// Not yet re-exported by @federa/server's index.
import { PostgresStore } from '../packages/server/src/store/postgres-store.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 30 : 150;
const PARAMS = 100_000;
const url = process.env.FEDERA_PG_URL;

const rng = new Rng(7);
const data = new Float32Array(PARAMS);
for (let i = 0; i < PARAMS; i++) data[i] = (rng.u32() / 2 ** 32 - 0.5) * 0.1;
const weights = new Weights([{ name: 'dense/kernel', shape: [PARAMS] }], data);

function record(round: number): RoundRecord {
  return {
    round,
    loss: 0.3,
    accuracy: Number.NaN,
    trainLoss: 0.4,
    sampled: 10,
    succeeded: 10,
    failed: 0,
    durationMs: 1000,
    bytesDown: 4e6,
    bytesUp: 4e6,
    metrics: {},
    clients: Array.from({ length: 10 }, (_, k) => ({
      clientId: `site-${k}`,
      ok: true,
      numExamples: 600,
      metrics: { loss: 0.4 },
    })),
    time: new Date().toISOString(),
  };
}

function checkpoint(round: number): Checkpoint {
  return {
    round,
    weights: encodeWeights(weights, { kind: 'weights', round }),
    strategyTensors: null,
    strategyJson: null,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] as number;
const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const bytes = checkpoint(1).weights.byteLength;
  console.log(
    `store: saveRound with a ${PARAMS}-parameter checkpoint (${(bytes / 1024).toFixed(0)} KiB), ${ROUNDS} rounds`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'federa-bench-store-'));
  const schema = `federa_bench_${randomBytes(4).toString('hex')}`;
  const stores: { name: string; store: Store; times: number[]; resume: number[] }[] = [
    { name: 'sqlite', store: SqliteStore.open(join(dir, 'bench.sqlite')), times: [], resume: [] },
  ];
  let pgSettings: Record<string, string> = {};
  if (url) {
    stores.push({ name: 'postgres', store: await PostgresStore.connect(url, { schema }), times: [], resume: [] });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')",
    );
    pgSettings = Object.fromEntries(r.rows.map((x) => [x.name, x.setting]));
    await c.end();
    console.log(
      `store: PostgreSQL ${pgSettings.server_version} (fsync ${pgSettings.fsync}, synchronous_commit ${pgSettings.synchronous_commit})`,
    );
  } else {
    console.log('store: FEDERA_PG_URL unset: PostgreSQL skipped (run scripts/start-postgres.sh)');
  }
  try {
    for (const s of stores) {
      await s.store.createRun({
        id: 'bench',
        name: 'bench',
        configHash: 'h',
        configJson: '{}',
        seed: 1,
        rounds: ROUNDS,
        createdAt: new Date().toISOString(),
      });
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const rec = record(round);
      const ck = checkpoint(round);
      const audit = { seq: round, entry: JSON.stringify({ seq: round, hash: `h${round}` }) };
      for (const s of stores) {
        const t0 = performance.now();
        await s.store.saveRound('bench', rec, ck, audit);
        s.times.push(performance.now() - t0);
      }
      if (round % 10 === 0) {
        for (const s of stores) {
          const t0 = performance.now();
          const back = await s.store.latestCheckpoint('bench');
          s.resume.push(performance.now() - t0);
          if (back?.weights.byteLength !== ck.weights.byteLength)
            throw new Error(`${s.name}: checkpoint did not come back`);
        }
      }
    }
  } finally {
    for (const s of stores) await s.store.close();
    if (url) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
    await rm(dir, { recursive: true, force: true });
  }
  for (const s of stores) {
    console.log(
      `store: ${s.name.padEnd(8)} saveRound median ${median(s.times).toFixed(2)} ms, p90 ${p90(s.times).toFixed(2)} ms; latestCheckpoint median ${median(s.resume).toFixed(2)} ms`,
    );
  }
  const [lite, post] = stores;
  const out = {
    bench: 'store',
    params: PARAMS,
    checkpoint_kb: Math.round(bytes / 1024),
    rounds: ROUNDS,
    sqlite_ms: round2(median(lite?.times ?? [])),
    sqlite_p90_ms: round2(p90(lite?.times ?? [])),
    postgres_ms: post ? round2(median(post.times)) : null,
    postgres_p90_ms: post ? round2(p90(post.times)) : null,
    ratio: post && lite ? round2(median(post.times) / median(lite.times)) : null,
    sqlite_resume_ms: round2(median(lite?.resume ?? [])),
    postgres_resume_ms: post ? round2(median(post.resume)) : null,
    pg_fsync: pgSettings.fsync ?? null,
    pg_synchronous_commit: pgSettings.synchronous_commit ?? null,
  };
  console.log(JSON.stringify(out));
}

await main();
