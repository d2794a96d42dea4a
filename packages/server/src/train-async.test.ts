import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FederaClient, nodeSocketFactory, type SocketFactory } from '@federa/client';
import {
  type AsyncRecord,
  AuditChain,
  type Client,
  FedAsync,
  FedBuff,
  generateAuditKeys,
  type LabeledData,
  LocalGrid,
  runAsynchronous,
  SoftmaxClient,
  type TrainIns,
  type Weights,
} from '@federa/core';
import { restoreAsyncCheckpoint } from './async-checkpoint.js';
import { MemoryStore } from './store/memory-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import { softmaxInitial, softmaxShards, startClient, startServer, TOKENS } from './testing/fixtures.js';

const fedBuff = () => new FedBuff({ bufferSize: 2, epochs: 1, batchSize: 10, lr: 0.1 });
const site = (d: LabeledData, k: number) => new SoftmaxClient(d, `site-${k}`);
const localGrid = (shards: readonly LabeledData[]) =>
  new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, site(d, k)]));
/** What must match between two runs of the same seeded asynchronous schedule. */
const schedule = (records: readonly AsyncRecord[]) =>
  records.map((r) => [r.version, r.succeeded, r.failed, r.trainLoss, r.stalenessMean, r.stalenessMax]);

/** The stored audit chain verifies and names, per version, exactly the updates its record folded in or received. */
async function assertAudited(store: MemoryStore, records: readonly AsyncRecord[], keys: CryptoKeyPair): Promise<void> {
  const entries = (await store.auditRows()).map((r) => JSON.parse(r.entry));
  assert.equal((await AuditChain.verify(entries, keys.publicKey)).ok, true);
  assert.deepEqual(
    entries.map((e) => [e.round, e.clients.map((c: { clientId: string }) => c.clientId)]),
    records.map((r) => [r.version, r.clients.filter((c) => c.ok).map((c) => c.clientId)]),
  );
  const hashes = entries.flatMap((e) => e.clients.map((c: { updateHash: string }) => c.updateHash));
  assert.equal(new Set(hashes).size, hashes.length, 'every update has its own hash');
}

test('FedBuff over the network (4 clients, 3 at once, order start) reaches version 6 with stale updates, and equals runAsynchronous in process bit for bit', async (t) => {
  const shards = softmaxShards(4);
  const plan = { seed: 5, concurrency: 3, versions: 6, order: 'start' as const };
  const local = await runAsynchronous({
    ...plan,
    grid: localGrid(shards),
    strategy: fedBuff(),
    initial: softmaxInitial(),
  });
  const store = new MemoryStore();
  const keys = await generateAuditKeys();
  const server = await startServer({ store, audit: keys });
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, site(d, k)));
  try {
    const t0 = performance.now();
    const r = await server.trainAsync({
      ...plan,
      name: 'buff',
      config: { strategy: 'fedbuff' },
      strategy: fedBuff(),
      initial: softmaxInitial(),
      minClients: 4,
    });
    t.diagnostic(`${(r.version / ((performance.now() - t0) / 1000)).toFixed(1)} versions/s over the network`);
    assert.equal(r.stopReason, 'versions');
    assert.equal(r.version, 6);
    assert.deepEqual(r.weights.data, local.weights.data);
    assert.deepEqual(schedule(r.records), schedule(local.records));
    assert.ok(
      r.records.some((x) => x.stalenessMax > 0),
      'with 3 clients in flight and K = 2, some updates are stale',
    );
    assert.ok(r.records.every((x) => x.bytesDown > 0 && x.bytesUp > 0));
    const stored = (await store.rounds(r.runId)) as AsyncRecord[];
    assert.deepEqual(
      stored.map((x) => [x.round, x.version]),
      [1, 2, 3, 4, 5, 6].map((v) => [v, v]),
    );
    assert.deepEqual(schedule(stored), schedule(local.records));
    assert.equal((await store.latestCheckpoint(r.runId))?.round, 6);
    await assertAudited(store, stored, keys);
    assert.equal(server.state.round, 6);
    assert.deepEqual(await Promise.all(clients.map((c) => c.finished)), Array(4).fill('run finished: versions'));
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('FedAsync over the network (3 clients, 2 at once) equals runAsynchronous in process bit for bit: every update a version, each 1 version stale', async () => {
  const shards = softmaxShards(3);
  const fedAsync = () => new FedAsync({ alpha: 0.5, epochs: 1, batchSize: 10, lr: 0.1 });
  const plan = { seed: 6, concurrency: 2, versions: 5, order: 'start' as const };
  const local = await runAsynchronous({
    ...plan,
    grid: localGrid(shards),
    strategy: fedAsync(),
    initial: softmaxInitial(),
  });
  const server = await startServer();
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, site(d, k)));
  try {
    const r = await server.trainAsync({
      ...plan,
      name: 'async',
      config: {},
      strategy: fedAsync(),
      initial: softmaxInitial(),
      minClients: 3,
    });
    assert.equal(r.stopReason, 'versions');
    assert.deepEqual(r.weights.data, local.weights.data);
    assert.deepEqual(schedule(r.records), schedule(local.records));
    assert.deepEqual(
      r.records.map((x) => [x.succeeded, x.stalenessMax]),
      [
        [1, 0],
        [1, 1],
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    );
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('a server stopped after version 3 resumes from its SQLite checkpoint: versions 1…8 stored once each, and the run is the deterministic one from that checkpoint', async () => {
  const shards = softmaxShards(4);
  const plan = { seed: 9, concurrency: 3, versions: 8, order: 'start' as const };
  let atThree: Weights | undefined;
  const uninterrupted = await runAsynchronous({
    ...plan,
    grid: localGrid(shards),
    strategy: fedBuff(),
    initial: softmaxInitial(),
    onRecord: (rec, w) => {
      if (rec.version === 3) atThree = w.clone();
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'federa-async-resume-'));
  const db = join(dir, 'run.sqlite');
  const serverPlan = {
    ...plan,
    name: 'buff',
    config: { strategy: 'fedbuff' },
    initial: softmaxInitial(),
    minClients: 4,
  };
  let store = SqliteStore.open(db);
  const first = await startServer({ store });
  const clients = shards.map((d, k) => startClient(first.url, `site-${k}`, site(d, k)));
  try {
    let stopped: Promise<void> | undefined;
    let stopAt = 0;
    const cut = await first.trainAsync({
      ...serverPlan,
      strategy: fedBuff(),
      onRecord: (rec) => {
        if (rec.version !== 3) return;
        stopAt = performance.now();
        stopped = first.stop();
      },
    });
    await stopped;
    assert.ok(
      performance.now() - stopAt < 5000,
      'stop() does not wait for the tasks in flight (nor their 30 s offline grace)',
    );
    assert.equal(cut.stopReason, 'aborted');
    assert.equal(cut.version, 3);
    assert.deepEqual(cut.weights.data, atThree?.data, 'versions 1…3 are the uninterrupted run’s');
    assert.deepEqual(schedule(cut.records), schedule(uninterrupted.records.slice(0, 3)));
    await store.close();

    store = SqliteStore.open(db);
    const checkpoint = await store.latestCheckpoint(cut.runId);
    assert.equal(checkpoint?.round, 3);
    // What the resumed run must equal: runAsynchronous from the stored checkpoint (its rng is
    // seeded with `${seed}:async:3`, so it does not depend on what was in flight at the stop).
    const restored = fedBuff();
    const fromCheckpoint = await runAsynchronous({
      ...plan,
      grid: localGrid(shards),
      strategy: restored,
      initial: restoreAsyncCheckpoint(checkpoint as NonNullable<typeof checkpoint>, restored),
      startVersion: 3,
    });
    const second = await startServer({ store, port: first.port });
    const r = await second.trainAsync({ ...serverPlan, strategy: fedBuff() });
    assert.equal(r.runId, cut.runId);
    assert.equal(r.startVersion, 3);
    assert.equal(r.stopReason, 'versions');
    assert.deepEqual(r.weights.data, fromCheckpoint.weights.data);
    assert.deepEqual(schedule(r.records.slice(3)), schedule(fromCheckpoint.records));
    const stored = (await store.rounds(r.runId)) as AsyncRecord[];
    assert.deepEqual(
      stored.map((x) => x.round),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.ok(
      stored.every((x, i) => i === 0 || x.updates > (stored[i - 1] as AsyncRecord).updates),
      'update counts continue across the restart',
    );
    // The clients that were training at the stop started from versions < 3; after the restart
    // their work is redone from version 3, so the run is not the uninterrupted one.
    assert.notDeepEqual(r.weights.data, uninterrupted.weights.data);
    assert.equal((await store.findRun('buff'))?.id, undefined, 'the run is marked finished');
    await second.stop();
  } finally {
    for (const c of clients) c.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client that disconnects mid-task is a recorded failure (E_DISCONNECTED after the grace period) and the run completes', async () => {
  const shards = softmaxShards(4);
  const server = await startServer({ offlineGraceMs: 150 });
  let leaver: FederaClient | undefined;
  const leaving: Client = {
    train: (_ins: TrainIns) => {
      leaver?.stop(); // gone for good, task unanswered
      return new Promise(() => {});
    },
    evaluate: (ins) => site(shards[3] as LabeledData, 3).evaluate(ins),
  };
  const clients = [0, 1, 2].map((k) => startClient(server.url, `site-${k}`, site(shards[k] as LabeledData, k)));
  leaver = startClient(server.url, 'site-3', leaving);
  try {
    const r = await server.trainAsync({
      name: 'leave',
      config: {},
      seed: 4,
      versions: 5,
      concurrency: 4,
      strategy: fedBuff(),
      initial: softmaxInitial(),
      minClients: 4,
    });
    assert.equal(r.stopReason, 'versions');
    assert.equal(r.version, 5);
    const failures = r.records.flatMap((x) => x.clients.filter((c) => !c.ok));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.clientId, 'site-3');
    assert.match(failures[0]?.error ?? '', /E_DISCONNECTED/);
    assert.equal(
      r.records.reduce((s, x) => s + x.failed, 0),
      1,
    );
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('when every client goes away the run pauses instead of ending, and continues from the same version when they are back', async () => {
  const shards = softmaxShards(2);
  const store = new MemoryStore();
  const keys = await generateAuditKeys();
  const server = await startServer({ store, offlineGraceMs: 100, audit: keys });
  let down = false;
  const sockets: { terminate(): void }[] = [];
  const real = nodeSocketFactory();
  // While `down`, every connection attempt fails (a port nobody listens on); clients keep retrying.
  const outage: SocketFactory = (url) => {
    const ws = real(down ? 'ws://127.0.0.1:1/ws' : url);
    sockets.push(ws as unknown as { terminate(): void });
    return ws;
  };
  const clients = shards.map((d, k) => {
    const c = new FederaClient({
      url: server.url,
      name: `site-${k}`,
      token: TOKENS[k] as string,
      client: site(d, k),
      socket: outage,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    c.start();
    return c;
  });
  try {
    const r = await server.trainAsync({
      name: 'outage',
      config: {},
      seed: 2,
      versions: 5,
      concurrency: 2,
      strategy: fedBuff(),
      initial: softmaxInitial(),
      minClients: 2,
      onRecord: (rec) => {
        if (rec.version !== 2) return;
        down = true;
        for (const s of sockets.splice(0)) s.terminate();
        setTimeout(() => {
          down = false;
        }, 500);
      },
    });
    assert.equal(r.stopReason, 'versions');
    assert.ok(r.pauses >= 1, `paused ${r.pauses} time(s)`);
    assert.equal(r.version, 5);
    const stored = (await store.rounds(r.runId)) as AsyncRecord[];
    assert.deepEqual(
      stored.map((x) => x.round),
      [1, 2, 3, 4, 5],
    );
    const lost = stored.flatMap((x) => x.clients.filter((c) => !c.ok).map((c) => [x.version, c.error]));
    assert.ok(lost.length >= 1, 'the tasks open at the outage are recorded as failures');
    assert.ok(
      lost.every(([v, e]) => v === 3 && /E_DISCONNECTED/.test(String(e))),
      `failures are stored with version 3, the next version made: ${JSON.stringify(lost)}`,
    );
    assert.ok(stored.every((x, i) => i === 0 || x.updates > (stored[i - 1] as AsyncRecord).updates));
    await assertAudited(store, stored, keys);
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('stopAtAccuracy ends the run (finished, not resumable) at the first stored version that reaches it', async () => {
  const shards = softmaxShards(3);
  const store = new MemoryStore();
  const server = await startServer({ store });
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, site(d, k)));
  try {
    const r = await server.trainAsync({
      name: 'early',
      config: {},
      seed: 1,
      versions: 20,
      concurrency: 3,
      strategy: fedBuff(),
      initial: softmaxInitial(),
      minClients: 3,
      stopAtAccuracy: 0.3,
      evaluate: async (_w, version) => ({ loss: 1, accuracy: version / 10 }),
    });
    assert.equal(r.stopReason, 'accuracy');
    assert.equal(r.version, 3);
    assert.deepEqual(
      (await store.rounds(r.runId)).map((x) => x.round),
      [1, 2, 3],
    );
    assert.equal(await store.findRun('early'), undefined, 'the run is finished');
    await assert.rejects(
      server.trainAsync({
        ...{ name: 'x', config: {}, seed: 1, versions: 2, concurrency: 1 },
        strategy: fedBuff(),
        initial: softmaxInitial(),
        stopAtAccuracy: 0.9,
      }),
      /stopAtAccuracy must be in \(0, 1\] and needs evaluate/,
    );
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});
