import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Assembler, chunkFrames, equalBytes, type FrameOf, sha256 } from '@federa/client';
import { decodeWeights, encodeWeights, FedAvg, Weights } from '@federa/core';
import { startServer, TOKENS } from './testing/fixtures.js';
import { RawClient } from './testing/raw-client.js';

const CHUNK = 64 * 1024;

test('a weights download and an update upload both resume from their offsets after the connection drops', async () => {
  const n = 200_000; // 800 KB of float32: 13 chunks of 64 KiB
  const initial = new Weights(
    [{ name: 'w', shape: [n] }],
    Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
  );
  const server = await startServer({ chunkBytes: CHUNK, maxFrameBytes: CHUNK + 4096 });
  const first = await RawClient.hello(server.url, 'site-0', TOKENS[0] as string);
  try {
    const run = server.train({
      name: 'resume',
      config: {},
      seed: 1,
      rounds: 1,
      strategy: new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1 }),
      initial,
      minClients: 1,
    });
    const task = (await first.c.next('task')).value as FrameOf<'task'>;
    const total = Number(task.weightsBytes);
    assert.ok(total > 10 * CHUNK);
    const got = new Assembler(task.weightsId, total, total);
    first.c.send({ case: 'want', value: { transferId: task.weightsId, offset: 0n } });
    for (let i = 0; i < 3; i++) {
      const c = (await first.c.next('chunk')).value as FrameOf<'chunk'>;
      got.add(Number(c.offset), Number(c.total), c.data);
    }
    first.c.ws.terminate(); // the connection breaks mid-download

    const second = await RawClient.hello(server.url, 'site-0', '', { identity: first.c.identity });
    assert.equal(second.answer.case, 'welcome');
    const again = (await second.c.next('task')).value as FrameOf<'task'>;
    assert.equal(again.taskId, task.taskId, 'the open task is sent again after the reconnect');
    second.c.send({ case: 'want', value: { transferId: task.weightsId, offset: BigInt(got.received) } });
    const firstResumed = (await second.c.next('chunk')).value as FrameOf<'chunk'>;
    assert.equal(Number(firstResumed.offset), 3 * CHUNK, 'the server resumes at the offset asked');
    got.add(Number(firstResumed.offset), total, firstResumed.data);
    while (!got.done) {
      const c = (await second.c.next('chunk')).value as FrameOf<'chunk'>;
      got.add(Number(c.offset), Number(c.total), c.data);
    }
    assert.ok(equalBytes(await sha256(got.bytes()), task.weightsSha256));
    const w = decodeWeights(got.bytes()).weights;

    // Upload half the update, drop, reconnect: Welcome says where to continue.
    const delta = new Weights(w.specs, new Float32Array(n).fill(0.5));
    const bytes = encodeWeights(delta, { kind: 'update', round: 1 });
    const id = `u-${task.taskId}`;
    const frames = [...chunkFrames(id, bytes, CHUNK)];
    const half = Math.floor(frames.length / 2);
    for (const f of frames.slice(0, half)) second.c.send(f);
    await new Promise((r) => setTimeout(r, 100));
    second.c.ws.terminate();
    const third = await RawClient.hello(server.url, 'site-0', '', { identity: first.c.identity });
    const welcome = third.answer.value as FrameOf<'welcome'>;
    assert.deepEqual(
      welcome.uploads.map((u) => [u.transferId, Number(u.offset)]),
      [[id, half * CHUNK]],
    );
    await third.c.next('task');
    for (const f of chunkFrames(id, bytes, CHUNK, half * CHUNK)) third.c.send(f);
    third.c.send(await third.c.replyFor(task, bytes, { clientId: 'site-0', seq: 1 }));
    assert.equal((await third.c.next('ack')).case, 'ack');
    const r = await run;
    assert.equal(r.rounds[0]?.succeeded, 1);
    assert.ok(r.weights.data.every((v, i) => Math.abs(v - ((initial.data[i] as number) + 0.5)) < 1e-6));
    third.c.close();
  } finally {
    await server.stop();
  }
});
