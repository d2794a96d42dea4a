import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from './canonical-json.js';

test('canonicalJson sorts keys at every depth and drops undefined properties', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], u: undefined }), '{"a":[{"c":null,"d":"x"}],"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.equal(canonicalJson('é"\n'), '"é\\"\\n"');
  assert.equal(canonicalJson(0.1 + 0.2), '0.30000000000000004');
  assert.equal(canonicalJson(1e21), '1e+21');
});

test('canonicalJson refuses what JSON cannot hold, naming the path', () => {
  assert.throws(() => canonicalJson({ m: { loss: Number.NaN } }), /\$\.m\.loss is NaN/);
  assert.throws(() => canonicalJson([1, undefined]), /\$\[1\] has type undefined/);
  assert.throws(() => canonicalJson({ n: 1n }), /bigint/);
});
