import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { SecAggRequest, SecAggResponse } from '@federa/core';
import { SecAggRequestSchema, SecAggResponseSchema } from '../gen/federa_pb.js';
import {
  bytesToWords,
  secAggRequestFromWire,
  secAggRequestToWire,
  secAggResponseFromWire,
  secAggResponseToWire,
  wordsToBytes,
} from './secagg.js';

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

test('every SecAgg step survives protobuf encoding both ways, as plain Uint8Arrays', () => {
  const params = {
    sessionId: bytes(16, 1),
    vectorLength: 5,
    bits: 32,
    clip: 1,
    scale: 123.5,
    threshold: 2,
    weighted: true,
    l2Clip: 0,
    noiseStd: 0,
  };
  const requests: SecAggRequest[] = [
    { step: 'setup', to: 'a', params, weight: 0.25 },
    { step: 'keyList', to: 'a', keys: [{ id: 'b', cPk: bytes(32, 2), sPk: bytes(32, 3) }] },
    { step: 'forwarded', to: 'a', ciphertexts: [{ from: 'b', ciphertext: bytes(40, 4) }] },
    { step: 'unmask', to: 'a', survivors: ['a', 'b'], dropped: ['c'] },
  ];
  for (const r of requests) {
    const wire = fromBinary(SecAggRequestSchema, toBinary(SecAggRequestSchema, secAggRequestToWire(r)));
    assert.deepEqual(secAggRequestFromWire(wire, 'a'), r);
  }
  const y = Uint32Array.from([0, 1, 0xffffffff, 123456789, 42, 7]);
  const responses: SecAggResponse[] = [
    { step: 'advertise', from: 'a', cPk: bytes(32, 5), sPk: bytes(32, 6) },
    { step: 'shareKeys', from: 'a', ciphertexts: [{ to: 'b', ciphertext: bytes(60, 7) }] },
    { step: 'masked', from: 'a', y },
    { step: 'unmask', from: 'a', bShares: [{ of: 'b', share: bytes(33, 8) }], sShares: [] },
  ];
  for (const r of responses) {
    const { msg, upload } = secAggResponseToWire(r);
    const wire = fromBinary(SecAggResponseSchema, toBinary(SecAggResponseSchema, msg));
    const back = secAggResponseFromWire(wire, 'a', upload && Buffer.from(upload));
    assert.deepEqual(back, r);
    for (const v of Object.values(back).flatMap((x) => (Array.isArray(x) ? x.flatMap(Object.values) : [x]))) {
      if (v instanceof Uint8Array) assert.equal(v.constructor, Uint8Array, 'not a Buffer (Shamir refuses those)');
    }
  }
  assert.deepEqual(bytesToWords(wordsToBytes(y)), y);
});

test('malformed SecAgg messages are refused with E_FRAME, and the sender is the authenticated one', () => {
  assert.throws(() => secAggRequestFromWire(create(SecAggRequestSchema, {}), 'a'), /E_FRAME|carries no step/);
  assert.throws(() => secAggResponseFromWire(undefined, 'a'), /carries no step/);
  const masked = create(SecAggResponseSchema, { step: { case: 'masked', value: { words: 4 } } });
  assert.throws(() => secAggResponseFromWire(masked, 'a', new Uint8Array(12)), /4 words \(16 bytes\)/);
  assert.throws(() => secAggResponseFromWire(masked, 'a'), /uploaded/);
  const adv = create(SecAggResponseSchema, {
    step: { case: 'advertise', value: { cPk: bytes(32, 1), sPk: bytes(32, 1) } },
  });
  assert.equal(secAggResponseFromWire(adv, 'mallory').from, 'mallory');
});
