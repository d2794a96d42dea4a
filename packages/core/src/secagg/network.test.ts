import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FederaError } from '../errors.js';
import type { Outcome } from '../messages.js';
import { Rng } from '../rng.js';
import { LocalSecAggChannel } from './local-channel.js';
import { runSecAggSession, type SecAggChannel, type SecAggRequest, type SecAggResponse } from './network.js';
import { SecAggParticipant } from './participant.js';

const M = 257;

function inputs(n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: M }, () => rng.float() * 2 - 1));
}

function setup(n: number, seed = 1) {
  const ids = Array.from({ length: n }, (_, i) => `site-${i}`);
  const xs = inputs(n, seed);
  const participants = new Map(ids.map((id) => [id, new SecAggParticipant(id)] as const));
  for (const [i, id] of ids.entries()) participants.get(id)!.hold(3, xs[i]!);
  return { ids, xs, participants };
}

function weightedMean(xs: readonly Float32Array[], w: readonly number[], keep: (i: number) => boolean): Float64Array {
  const out = new Float64Array(M);
  let total = 0;
  xs.forEach((x, i) => {
    if (!keep(i)) return;
    total += w[i]!;
    for (let j = 0; j < M; j++) out[j]! += w[i]! * x[j]!;
  });
  return out.map((v) => v / total);
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst <= tol, `max |Δ| ${worst} > ${tol}`);
}

test('a session over a channel yields the weighted mean of the clients’ held inputs', async () => {
  const { ids, xs, participants } = setup(6);
  const n = [10, 20, 30, 40, 50, 60];
  const r = await runSecAggSession({
    channel: new LocalSecAggChannel(participants),
    round: 3,
    clientIds: ids,
    vectorLength: M,
    weights: n,
    threshold: 0.5,
    clip: 1,
    rng: new Rng(5),
  });
  assert.deepEqual([...r.survivors].sort(), ids);
  assert.equal(r.failures.length, 0);
  assertClose(
    r.mean,
    weightedMean(xs, n, () => true),
    1e-6,
  );
  assert.ok(r.bytesUp > M * 4 * ids.length, 'every client sent its masked vector');
  // A participant forgets its input after Unmasking.
  assert.ok(ids.every((id) => !participants.get(id)!.holds(3)));
});

test('clients that stop answering at any phase drop out; the sum is the survivors’', async () => {
  for (const [step, dropped] of [
    ['setup', ['site-1']],
    ['keyList', ['site-2']],
    ['forwarded', ['site-0', 'site-4']],
    ['unmask', ['site-3']],
  ] as const) {
    const { ids, xs, participants } = setup(7, 2);
    const r = await runSecAggSession({
      channel: new LocalSecAggChannel(
        participants,
        (q) => q.step === step && (dropped as readonly string[]).includes(q.to),
      ),
      round: 3,
      clientIds: ids,
      vectorLength: M,
      threshold: 0.5,
      clip: 1,
      neighbours: 'complete',
    });
    // A client that sent y before dropping (unmask) is still in the sum.
    const out = step === 'unmask' ? [] : dropped;
    assert.deepEqual([...r.dropped].sort(), [...out].sort(), step);
    assert.deepEqual(r.failures.map((f) => f.clientId).sort(), [...dropped].sort());
    assertClose(
      r.mean,
      weightedMean(xs, Array(7).fill(1), (i) => !(out as readonly string[]).includes(ids[i]!)),
      1e-6,
    );
  }
});

test('a malformed or misattributed answer drops its sender with E_SECAGG_MESSAGE', async () => {
  const { ids, xs, participants } = setup(5, 3);
  const inner = new LocalSecAggChannel(participants);
  // site-1 claims to be site-2 in its masked input; site-3 answers AdvertiseKeys with short keys.
  const channel: SecAggChannel = {
    async *exchange(round, requests) {
      for await (const o of inner.exchange(round, requests)) {
        if (o.ok && o.clientId === 'site-1' && o.value.step === 'masked') {
          yield { ...o, value: { ...o.value, from: 'site-2' } } as Outcome<SecAggResponse>;
        } else if (o.ok && o.clientId === 'site-3' && o.value.step === 'advertise') {
          yield { ...o, value: { ...o.value, cPk: new Uint8Array(5) } } as Outcome<SecAggResponse>;
        } else yield o;
      }
    },
  };
  const r = await runSecAggSession({ channel, round: 3, clientIds: ids, vectorLength: M, threshold: 0.5, clip: 1 });
  assert.deepEqual(
    r.failures.map((f) => [f.clientId, f.phase, f.error.split(':')[0]]),
    [
      ['site-3', 'advertiseKeys', 'E_SECAGG_MESSAGE'],
      ['site-1', 'maskedInputCollection', 'E_SECAGG_MESSAGE'],
    ],
  );
  assert.deepEqual([...r.survivors].sort(), ['site-0', 'site-2', 'site-4']);
  assertClose(
    r.mean,
    weightedMean(xs, Array(5).fill(1), (i) => [0, 2, 4].includes(i)),
    1e-6,
  );
});

test('below the threshold the session refuses with E_SECAGG_THRESHOLD, never a wrong sum', async () => {
  const { ids, participants } = setup(5, 4);
  const drop = new Set(['site-0', 'site-1', 'site-2']);
  await assert.rejects(
    runSecAggSession({
      channel: new LocalSecAggChannel(participants, (q: SecAggRequest) => q.step === 'forwarded' && drop.has(q.to)),
      round: 3,
      clientIds: ids,
      vectorLength: M,
      threshold: 3,
      clip: 1,
    }),
    (e: unknown) => e instanceof FederaError && e.code === 'E_SECAGG_THRESHOLD',
  );
});

test('a participant refuses requests for a round it did not train, for another client, or of the wrong length', async () => {
  const p = new SecAggParticipant('a');
  const params = {
    sessionId: new Uint8Array(16),
    vectorLength: 4,
    bits: 32,
    clip: 1,
    scale: 1000,
    threshold: 2,
    weighted: false,
    l2Clip: 0,
    noiseStd: 0,
  };
  await assert.rejects(p.respond(1, { step: 'setup', to: 'a', params, weight: 1 }), /E_SECAGG_STATE|no update held/);
  p.hold(1, new Float32Array(4));
  await assert.rejects(p.respond(1, { step: 'setup', to: 'b', params, weight: 1 }), /reached 'a'/);
  await assert.rejects(
    p.respond(1, { step: 'setup', to: 'a', params: { ...params, vectorLength: 5 }, weight: 1 }),
    /masks 5 values/,
  );
  await assert.rejects(p.respond(1, { step: 'keyList', to: 'a', keys: [] }), /before the session was set up/);
  const adv = await p.respond(1, { step: 'setup', to: 'a', params, weight: 1 });
  assert.equal(adv.step, 'advertise');
});
