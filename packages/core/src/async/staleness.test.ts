import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { type Staleness, stalenessWeight, validateStaleness } from './staleness.js';

describe('staleness functions (Xie et al. 2019, §5.2)', () => {
  it('constant, polynomial and hinge give the paper values', () => {
    assert.equal(stalenessWeight({ kind: 'constant' }, 7), 1);
    assert.equal(stalenessWeight({ kind: 'polynomial', a: 0.5 }, 0), 1);
    assert.equal(stalenessWeight({ kind: 'polynomial', a: 0.5 }, 3), 0.5); // 1/√4
    assert.equal(stalenessWeight({ kind: 'polynomial', a: 1 }, 4), 0.2); // 1/5
    const hinge: Staleness = { kind: 'hinge', a: 10, b: 4 };
    assert.equal(stalenessWeight(hinge, 4), 1);
    assert.equal(stalenessWeight(hinge, 5), 1 / 11); // 1/(10·1 + 1)
    assert.equal(stalenessWeight(hinge, 6), 1 / 21);
  });

  it('rejects a negative or fractional τ and bad descriptions, naming the field', () => {
    assert.throws(() => stalenessWeight({ kind: 'constant' }, -1), /non-negative integer, got -1/);
    assert.throws(() => stalenessWeight({ kind: 'constant' }, 1.5), FederaError);
    assert.throws(() => validateStaleness({ kind: 'polynomial', a: -1 }, 'X'), /X: staleness a must be/);
    assert.throws(() => validateStaleness({ kind: 'hinge', a: 1 } as Staleness, 'X'), /b must be/);
    assert.throws(() => validateStaleness({ kind: 'cubic' } as unknown as Staleness, 'X'), /kind must be/);
    validateStaleness({ kind: 'hinge', a: 1, b: 0 }, 'X');
  });
});
