import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type FrameOf, generateIdentity } from '@federa/client';
import { type Client, LocalGrid, runFederated, SoftmaxClient, Weights } from '@federa/core';
import {
  softmaxInitial,
  softmaxShards,
  softmaxStrategy,
  startClient,
  startServer,
  TOKENS,
} from './testing/fixtures.js';
import { RawClient } from './testing/raw-client.js';

const failing: Client = {
  train: async () => {
    throw new Error('fails');
  },
  evaluate: async () => {
    throw new Error('fails');
  },
};

test("an enrolled attacker's malformed, forged, misdirected, replayed, NaN and misshapen messages are refused with typed errors; the run ends exactly as if it had simply failed", async () => {
  const shards = softmaxShards(3);
  const reference = await runFederated({
    grid: new LocalGrid([
      [{ id: 'site-0' }, new SoftmaxClient(shards[0] as never, 'site-0')],
      [{ id: 'site-1' }, new SoftmaxClient(shards[1] as never, 'site-1')],
      [{ id: 'site-2' }, failing],
    ]),
    strategy: softmaxStrategy(),
    initial: softmaxInitial(),
    rounds: 2,
    seed: 5,
  });
  const server = await startServer();
  const honest = [0, 1].map((k) =>
    startClient(server.url, `site-${k}`, new SoftmaxClient(shards[k] as never, `site-${k}`)),
  );
  const { c: bad, answer } = await RawClient.hello(server.url, 'site-2', TOKENS[2] as string);
  assert.equal(answer.case, 'welcome');
  try {
    const run = server.train({
      name: 'attack',
      config: {},
      seed: 5,
      rounds: 2,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 3,
    });
    const t1 = (await bad.next('task')).value as FrameOf<'task'>;
    const me = { clientId: 'site-2' };
    const good = softmaxInitial();

    bad.sendRaw(new Uint8Array(randomBytes(100)));
    assert.equal((await bad.error()).code, 'E_FRAME');
    bad.sendRaw('{"json": "is not a frame"}');
    assert.equal((await bad.error()).code, 'E_FRAME');
    bad.send(await bad.upload(t1, good, { ...me, seq: 1, signer: await generateIdentity() }));
    assert.equal((await bad.error()).code, 'E_SIGNATURE');
    bad.send(await bad.upload(t1, good, { ...me, seq: 1, round: t1.round + 1 }));
    assert.equal((await bad.error()).code, 'E_WRONG_ROUND');
    bad.send(await bad.upload(t1, good, { ...me, seq: 1, taskId: 'not-a-task' }));
    assert.equal((await bad.error()).code, 'E_UNKNOWN_TASK');
    bad.send(await bad.upload(t1, good, { clientId: 'site-0', seq: 1 }));
    assert.equal((await bad.error()).code, 'E_AUTH');
    const nan = good.clone();
    nan.data[3] = Number.NaN;
    const nanReply = await bad.upload(t1, nan, { ...me, seq: 1 });
    bad.send(nanReply);
    const refusedNan = await bad.error();
    assert.equal(refusedNan.code, 'E_NONFINITE');
    assert.match(refusedNan.message, /NaN|non-finite/i);
    bad.send(nanReply);
    assert.equal((await bad.error()).code, 'E_REPLAY');

    const t2 = (await bad.next('task')).value as FrameOf<'task'>;
    assert.equal(t2.round, 2);
    const misshapen = new Weights([{ name: 'w', shape: [2, 2] }], new Float32Array(4));
    bad.send(await bad.upload(t2, misshapen, { ...me, seq: 2 }));
    assert.equal((await bad.error()).code, 'E_SHAPE');

    const r = await run;
    assert.equal(r.stopReason, 'rounds');
    assert.deepEqual(r.weights.data, reference.weights.data, 'the honest clients’ model is unharmed');
    assert.deepEqual(
      r.rounds.map((x) => [x.succeeded, x.failed]),
      [
        [2, 1],
        [2, 1],
      ],
    );
    const errors = r.rounds.map((x) => x.clients.find((c) => c.clientId === 'site-2')?.error ?? '');
    assert.match(errors[0] as string, /non-finite|NaN/i);
    for (const code of [
      'E_FRAME',
      'E_SIGNATURE',
      'E_WRONG_ROUND',
      'E_UNKNOWN_TASK',
      'E_REPLAY',
      'E_AUTH',
      'E_NONFINITE',
      'E_SHAPE',
    ]) {
      assert.ok((server.hub.rejections.get(code) ?? 0) >= 1, `${code} was counted`);
    }
  } finally {
    for (const c of honest) c.stop();
    bad.close();
    await server.stop();
  }
});

test('connections that fail to authenticate, break the framing or flood are refused and closed; the server keeps serving', async () => {
  const server = await startServer({
    maxFrameBytes: 256 * 1024,
    chunkBytes: 128 * 1024,
    rate: { perSecond: 50, burst: 100 },
  });
  try {
    const badToken = startClient(server.url, 'site-9', new SoftmaxClient(softmaxShards(1)[0] as never), {
      token: 'not-a-valid-token',
    });
    await assert.rejects(
      badToken.finished,
      (e: Error & { code?: string }) => e.code === 'E_AUTH' && /token/.test(e.message),
    );

    const forged = await RawClient.hello(server.url, 'site-0', TOKENS[0] as string, { badSignature: true });
    assert.equal((forged.answer.value as { code: string }).code, 'E_SIGNATURE');
    assert.equal((await forged.c.closed).code, 4001);

    const ok = await RawClient.hello(server.url, 'site-0', TOKENS[0] as string);
    assert.equal(ok.answer.case, 'welcome');
    const impostor = await RawClient.hello(server.url, 'site-0', TOKENS[0] as string);
    assert.match((impostor.answer.value as { message: string }).message, /enrolled with another key/);
    const reuse = await RawClient.hello(server.url, 'site-5', TOKENS[0] as string);
    assert.match((reuse.answer.value as { message: string }).message, /already used by client 'site-0'/);

    const early = await RawClient.open(server.url);
    early.send({ case: 'want', value: { transferId: 'w-1', offset: 0n } });
    assert.equal((await early.error()).code, 'E_AUTH');
    assert.ok((await early.closed).code >= 4000);

    const huge = await RawClient.open(server.url);
    huge.sendRaw(new Uint8Array(300 * 1024));
    assert.equal(
      (await huge.closed).code,
      1009,
      'a frame over the limit closes the connection with 1009 (message too big)',
    );
    assert.equal(server.hub.rejections.get('E_TOO_LARGE'), 1);

    for (let i = 0; i < 300; i++) ok.c.send({ case: 'ping', value: { timeMs: 0n } });
    assert.equal((await ok.c.error()).code, 'E_RATE_LIMITED');

    const res = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { online: number }).online, 1);
    for (const c of [ok.c, impostor.c, reuse.c]) c.close();
  } finally {
    await server.stop();
  }
});

test('a shared enrolment secret enrols any name; the name is then bound to its key', async () => {
  const server = await startServer({ auth: { secret: 'shared-secret-123' } });
  try {
    const a = await RawClient.hello(server.url, 'tab-1', 'shared-secret-123');
    const b = await RawClient.hello(server.url, 'tab-2', 'shared-secret-123');
    assert.equal(a.answer.case, 'welcome');
    assert.equal(b.answer.case, 'welcome');
    const again = await RawClient.hello(server.url, 'tab-1', '', { identity: a.c.identity });
    assert.equal(again.answer.case, 'welcome', 'an enrolled key needs no token');
    assert.deepEqual(
      server.hub.online().map((n) => n.id),
      ['tab-1', 'tab-2'],
    );
    for (const c of [a.c, b.c, again.c]) c.close();
  } finally {
    await server.stop();
  }
});
