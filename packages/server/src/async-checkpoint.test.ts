import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FedAsync, FedAvg, FedBuff, type TrainRes, Weights } from '@federa/core';
import { makeAsyncCheckpoint, restoreAsyncCheckpoint } from './async-checkpoint.js';
import { makeCheckpoint } from './checkpoint.js';

const local = { epochs: 1, batchSize: 10, lr: 0.1 };
const vec = (v: number[]) => new Weights([{ name: 'w', shape: [v.length] }], Float32Array.from(v));
const res = (v: number[]): TrainRes => ({ clientId: 'k', update: vec(v), numExamples: 5, metrics: {} });

test('an async checkpoint keeps the version, the weights and FedBuff’s half-full buffer; the restored strategy continues identically', () => {
  const g = vec([1, 2, 3]);
  const a = new FedBuff({ ...local, bufferSize: 3 });
  a.apply(g, g, res([1, 0, 2]), 0);
  a.apply(g, g, res([0.5, 4, -1]), 2);
  const c = makeAsyncCheckpoint(7, g, a);
  assert.equal(c.round, 7);
  assert.notEqual(c.strategyTensors, null, 'the buffer sum is stored');
  const b = new FedBuff({ ...local, bufferSize: 3 });
  assert.deepEqual(restoreAsyncCheckpoint(c, b).data, g.data);
  assert.equal(b.buffered, 2);
  const next = (s: FedBuff) => s.apply(g, g, res([3, 3, 3]), 1).weights?.data;
  assert.deepEqual(next(b), next(a));
});

test('FedAsync’s counters round-trip with no tensors stored', () => {
  const g = vec([0, 1]);
  const a = new FedAsync({ ...local, alpha: 0.5 });
  a.apply(g, g, res([1, 1]), 0);
  const c = makeAsyncCheckpoint(1, g, a);
  assert.equal(c.strategyTensors, null);
  const b = new FedAsync({ ...local, alpha: 0.5 });
  restoreAsyncCheckpoint(c, b);
  assert.deepEqual(b.state(), a.state());
});

test('a checkpoint of another strategy, or of a synchronous run, is refused with E_STATE', () => {
  const g = vec([1, 2]);
  const buff = makeAsyncCheckpoint(2, g, new FedBuff({ ...local, bufferSize: 2 }));
  const code = (e: Error & { code?: string }) => e.code === 'E_STATE';
  assert.throws(() => restoreAsyncCheckpoint(buff, new FedAsync({ ...local, alpha: 0.5 })), code);
  assert.throws(
    () =>
      restoreAsyncCheckpoint(
        makeCheckpoint(2, g, new FedAvg({ fraction: 1, ...local })),
        new FedBuff({ ...local, bufferSize: 2 }),
      ),
    /not written by an asynchronous 'fedbuff' run/,
  );
  const half = new FedBuff({ ...local, bufferSize: 3 });
  half.apply(g, g, res([1, 1]), 0);
  half.apply(g, g, res([1, 1]), 0);
  assert.throws(
    () => restoreAsyncCheckpoint(makeAsyncCheckpoint(2, g, half), new FedBuff({ ...local, bufferSize: 2 })),
    /FedBuff.restore/,
  );
});
