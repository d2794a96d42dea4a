import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinParts, type Outcome, partOf, placePart, type TrainRes, Weights } from '@federa/core';
import { FedDFHetero, type PrototypeRound } from './feddf-hetero.js';

const small = () => Weights.fromTensors([{ name: 'w', shape: [2], values: Float32Array.from([1, 1]) }]);
const big = () => Weights.fromTensors([{ name: 'v', shape: [3], values: Float32Array.from([0, 0, 0]) }]);
const global = joinParts([
  { prefix: 'small', weights: small() },
  { prefix: 'big', weights: big() },
]);
const arch: Record<string, string> = { a: 'small', b: 'big', c: 'big', d: 'nowhere' };

function reply(id: string, values: number[], n: number): Outcome<TrainRes> {
  const p = arch[id] === 'small' ? 'small' : 'big';
  const part = Weights.fromTensors([
    { name: p === 'small' ? 'w' : 'v', shape: [values.length], values: Float32Array.from(values) },
  ]);
  return {
    ok: true,
    clientId: id,
    value: { clientId: id, update: placePart(global, p, part), numExamples: n, metrics: { loss: n } },
  };
}

async function* stream(items: Outcome<TrainRes>[]) {
  yield* items;
}

describe('FedDFHetero', () => {
  it("groups the clients' models by architecture and joins what the fuser returns", async () => {
    let seen: readonly PrototypeRound[] = [];
    const s = new FedDFHetero({
      fraction: 1,
      epochs: 1,
      batchSize: 1,
      lr: 0.1,
      architectureOf: (id) => arch[id] as string,
      fuse: async (_round, protos) => {
        seen = protos;
        // A stand-in for distillation: the example-weighted average of each group (its global when empty).
        return protos.map((p) => {
          if (p.received.length === 0) return p.global;
          const out = new Weights(p.global.specs);
          const total = p.received.reduce((a, r) => a + r.n, 0);
          for (const r of p.received) out.add(r.weights.clone().scale(r.n / total));
          return out;
        });
      },
    });
    const r = await s.aggregateTrain(
      1,
      global,
      stream([
        reply('a', [1, -1], 1),
        reply('b', [3, 3, 3], 1),
        reply('c', [1, 1, 1], 3),
        reply('d', [9, 9, 9], 1),
        { ok: false, clientId: 'e', error: { code: 'E_X', message: 'boom' } },
      ]),
    );
    assert.deepEqual(
      seen.map((p) => [p.prefix, p.received.map((m) => m.clientId)]),
      [
        ['small', ['a']],
        ['big', ['b', 'c']],
      ],
    );
    assert.deepEqual([...(seen[0]?.received[0]?.weights.data ?? [])], [2, 0], 'w_k = w_t + Δ_k of its own part');
    assert.deepEqual([...partOf(r.weights, 'small').data], [2, 0]);
    assert.deepEqual([...partOf(r.weights, 'big').data], [1.5, 1.5, 1.5], '(3·1 + 1·3) / 4');
    assert.equal(r.metrics.teachers_small, 1);
    assert.equal(r.metrics.teachers_big, 2);
    assert.equal(r.metrics.distill_teachers, 3);
    assert.equal(r.metrics.loss, (1 + 1 + 9) / 5);
    const failed = r.clients.filter((c) => !c.ok).map((c) => `${c.clientId}: ${c.error}`);
    assert.deepEqual(failed, ["d: E_PART: no architecture 'nowhere' in the global state", 'e: E_X: boom']);
  });

  it('keeps w_t when nobody answered, and fails the round on a bad fusion', async () => {
    const opts = { fraction: 1, epochs: 1, batchSize: 1, lr: 0.1, architectureOf: (id: string) => arch[id] as string };
    let called = false;
    const idle = new FedDFHetero({
      ...opts,
      fuse: async () => {
        called = true;
        return [];
      },
    });
    const r = await idle.aggregateTrain(1, global, stream([]));
    assert.equal(r.weights, global);
    assert.equal(called, false);
    const wrong = new FedDFHetero({ ...opts, fuse: async (_r, protos) => protos.map(() => small()) });
    await assert.rejects(
      wrong.aggregateTrain(1, global, stream([reply('a', [1, 1], 1)])),
      /E_DISTILL|wrong or non-finite model for 'big'/,
    );
    assert.throws(() => new FedDFHetero({ ...opts, fuse: undefined as never }), /needs architectureOf/);
  });
});
