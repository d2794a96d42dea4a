import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame, FederaClient, type SocketFactory, type WireSocket } from '@federa/client';
import { LocalGrid, runFederated, SoftmaxClient, type TrainIns, Weights } from '@federa/core';
import { WebSocket } from 'ws';
import {
  softmaxInitial,
  softmaxShards,
  softmaxStrategy,
  startClient,
  startServer,
  TOKENS,
} from './testing/fixtures.js';
import { RawClient } from './testing/raw-client.js';

test('a run over the network equals the same seeded run in process, bit for bit', async () => {
  const shards = softmaxShards(3);
  const local = await runFederated({
    grid: new LocalGrid(shards.map((d, k) => [{ id: `site-${k}` }, new SoftmaxClient(d, `site-${k}`)])),
    strategy: softmaxStrategy(),
    initial: softmaxInitial(),
    rounds: 3,
    seed: 7,
  });
  const server = await startServer();
  const clients = shards.map((d, k) => startClient(server.url, `site-${k}`, new SoftmaxClient(d, `site-${k}`)));
  try {
    const r = await server.train({
      name: 'net',
      config: { t: 1 },
      seed: 7,
      rounds: 3,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 3,
    });
    assert.equal(r.stopReason, 'rounds');
    assert.equal(r.rounds.length, 3);
    assert.deepEqual(r.weights.data, local.weights.data);
    assert.deepEqual(
      r.rounds.map((x) => x.trainLoss),
      local.history.rounds.map((x) => x.trainLoss),
    );
    assert.ok(r.rounds.every((x) => x.succeeded === 3 && x.bytesDown > 0 && x.bytesUp > 0));
    assert.deepEqual(await Promise.all(clients.map((c) => c.finished)), Array(3).fill('run finished: rounds'));
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('a client that misses the deadline is a failure of the round, not of the run; quorum holds rounds until enough clients are online', async () => {
  const shards = softmaxShards(3);
  const server = await startServer({ helloTimeoutMs: 200 });
  const slow = {
    train: async (ins: Parameters<SoftmaxClient['train']>[0]) => {
      // Far past the deadline, which itself leaves the others ample time on a loaded CI machine.
      await new Promise((r) => setTimeout(r, 4_000).unref());
      return new SoftmaxClient(shards[2] as never, 'site-2').train(ins);
    },
    evaluate: (ins: Parameters<SoftmaxClient['evaluate']>[0]) =>
      new SoftmaxClient(shards[2] as never, 'site-2').evaluate(ins),
  };
  const clients = [0, 1].map((k) =>
    startClient(server.url, `site-${k}`, new SoftmaxClient(shards[k] as never, `site-${k}`)),
  );
  const silent = await RawClient.open(server.url);
  try {
    let started = 0;
    const run = server.train({
      name: 'deadline',
      config: {},
      seed: 3,
      rounds: 2,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 3,
      deadlineMs: 1_500,
      onRound: () => {
        started++;
      },
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(started, 0, 'no round before 3 clients are online');
    assert.ok((await silent.closed).code >= 4000, 'a connection that never says Hello is closed');
    clients.push(startClient(server.url, 'site-2', slow as never));
    const r = await run;
    assert.equal(r.stopReason, 'rounds');
    for (const rec of r.rounds) {
      assert.equal(rec.succeeded, 2);
      assert.match(rec.clients.find((c) => c.clientId === 'site-2')?.error ?? '', /deadline/);
    }
  } finally {
    for (const c of clients) c.stop();
    await server.stop();
  }
});

test('a client whose connection drops mid-download reconnects, resumes the weights from its offset and answers the same round', async () => {
  const n = 200_000; // 800 KB of weights: 49 chunks of 16 KiB
  const initial = new Weights(
    [{ name: 'w', shape: [n] }],
    Float32Array.from({ length: n }, (_, i) => (i % 7) * 0.125),
  );
  const constant = {
    train: async (ins: TrainIns) => {
      const update = ins.weights.zerosLike();
      update.data.fill(0.25);
      return { clientId: ins.clientId, update, numExamples: 10, metrics: { loss: 1 } };
    },
    evaluate: async (ins: TrainIns) => ({ clientId: ins.clientId, loss: 1, numExamples: 10, metrics: {} }),
  };
  const server = await startServer({ chunkBytes: 16 * 1024 });
  const wants: number[] = [];
  let connections = 0;
  // site-1's sockets: the first one is cut after 3 chunks; every Want it sends is recorded.
  const flaky: SocketFactory = (url) => {
    const ws = new WebSocket(url);
    const k = ++connections;
    let chunks = 0;
    const send = ws.send.bind(ws);
    ws.send = ((data: Uint8Array) => {
      const f = decodeFrame(data);
      if (f.case === 'want') wants.push(Number(f.value.offset));
      send(data);
    }) as typeof ws.send;
    ws.on('message', (d: Buffer) => {
      if (k === 1 && decodeFrame(new Uint8Array(d), 1 << 20).case === 'chunk' && ++chunks === 3) ws.terminate();
    });
    return ws as unknown as WireSocket;
  };
  const clients = [
    startClient(server.url, 'site-0', constant),
    new FederaClient({
      url: server.url,
      name: 'site-1',
      token: TOKENS[1] as string,
      client: constant,
      socket: flaky,
      backoff: { initialMs: 20, maxMs: 100 },
    }),
  ];
  clients[1]?.start();
  try {
    const r = await server.train({
      name: 'flaky',
      config: {},
      seed: 9,
      rounds: 2,
      strategy: softmaxStrategy(),
      initial,
      minClients: 2,
    });
    assert.ok(connections >= 2, 'site-1 reconnected');
    assert.equal(wants[0], 0);
    const resumedAt = wants[1] as number;
    assert.ok(
      resumedAt >= 3 * 16 * 1024 && resumedAt < 4 * n,
      `the second Want resumes at the bytes already held (${resumedAt})`,
    );
    assert.deepEqual(
      r.rounds.map((x) => x.succeeded),
      [2, 2],
    );
    assert.ok(r.weights.data.every((v, i) => v === (initial.data[i] as number) + 0.5));
  } finally {
    for (const c of clients) c?.stop();
    await server.stop();
  }
});
