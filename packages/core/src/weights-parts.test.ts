import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Weights } from './weights.js';
import { joinParts, partOf, partPrefixes, placePart } from './weights-parts.js';

const a = Weights.fromTensors([
  { name: 'fc/kernel', shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) },
  { name: 'fc/bias', shape: [2], values: Float32Array.from([5, 6]) },
]);
const b = Weights.fromTensors([{ name: 'conv/kernel', shape: [3], values: Float32Array.from([7, 8, 9]) }]);

describe('weights parts (one model per architecture in one Weights)', () => {
  it('joins parts under their prefixes and takes them apart again', () => {
    const j = joinParts([
      { prefix: 'mlp', weights: a },
      { prefix: 'cnn', weights: b },
    ]);
    assert.deepEqual(
      j.specs.map((s) => s.name),
      ['mlp/fc/kernel', 'mlp/fc/bias', 'cnn/conv/kernel'],
    );
    assert.deepEqual([...j.data], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(partPrefixes(j), ['mlp', 'cnn']);
    const back = partOf(j, 'cnn');
    assert.ok(back.sameLayout(b));
    assert.deepEqual([...back.data], [7, 8, 9]);
    back.data[0] = 100;
    assert.equal(j.data[6], 7, 'partOf copies');
  });

  it('places a part into zeros of the joined layout', () => {
    const j = joinParts([
      { prefix: 'mlp', weights: a },
      { prefix: 'cnn', weights: b },
    ]);
    const u = placePart(
      j,
      'cnn',
      Weights.fromTensors([{ name: 'conv/kernel', shape: [3], values: Float32Array.from([1, 1, 1]) }]),
    );
    assert.ok(u.sameLayout(j));
    assert.deepEqual([...u.data], [0, 0, 0, 0, 0, 0, 1, 1, 1]);
    assert.throws(() => placePart(j, 'cnn', a), /part 'cnn'/);
  });

  it('refuses unknown, repeated or malformed prefixes with the parts it knows', () => {
    const j = joinParts([{ prefix: 'mlp', weights: a }]);
    assert.throws(() => partOf(j, 'cnn'), /no part 'cnn' in the weights \(parts: mlp\)/);
    assert.throws(
      () =>
        joinParts([
          { prefix: 'x', weights: a },
          { prefix: 'x', weights: b },
        ]),
      /appears twice/,
    );
    assert.throws(() => joinParts([{ prefix: 'a/b', weights: a }]), /must be letters/);
  });
});
