import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Weights } from '../weights.js';
import { decodeWeightsSequence, encodeWeightsSequence } from './sequence.js';

test('a sequence of Weights round-trips, and a truncated one is refused', () => {
  const a = new Weights([{ name: 'a', shape: [2, 3] }], Float32Array.from([1, 2, 3, 4, 5, 6]));
  const b = new Weights([{ name: 'b', shape: [1] }], Float32Array.from([-0.5]));
  const bytes = encodeWeightsSequence([a, b]);
  const back = decodeWeightsSequence(bytes);
  assert.deepEqual(
    back.map((w) => [w.specs, [...w.data]]),
    [
      [a.specs, [1, 2, 3, 4, 5, 6]],
      [b.specs, [-0.5]],
    ],
  );
  assert.deepEqual(decodeWeightsSequence(new Uint8Array(0)), []);
  assert.throws(() => decodeWeightsSequence(bytes.subarray(0, bytes.byteLength - 3)), /header declares/);
});
