import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Assembler, chunkFrames } from './transfer.js';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

test('chunkFrames splits a transfer into offset-tagged chunks and resumes from an offset', () => {
  const all = [...chunkFrames('t', bytes, 300)];
  assert.deepEqual(
    all.map((f) => [Number(f.value.offset), f.value.data.byteLength]),
    [
      [0, 300],
      [300, 300],
      [600, 300],
      [900, 100],
    ],
  );
  const resumed = [...chunkFrames('t', bytes, 300, 600)];
  assert.equal(resumed.length, 2);
  assert.throws(() => [...chunkFrames('t', bytes, 300, 1001)], /cannot resume from 1001/);
});

test('Assembler accepts contiguous chunks only and bounds the total before allocating', () => {
  const a = new Assembler('t', 1000, 1000);
  assert.equal(a.add(0, 1000, bytes.subarray(0, 400)), false);
  assert.throws(
    () => a.add(300, 1000, bytes.subarray(300, 400)),
    (e: Error & { code?: string }) => e.code === 'E_CHUNK_OFFSET' && /expected 400/.test(e.message),
  );
  assert.throws(() => a.add(400, 999, bytes.subarray(400, 500)), /changed its total/);
  assert.throws(() => a.bytes(), /resume it from offset 400/);
  assert.equal(a.add(400, 1000, bytes.subarray(400)), true);
  assert.deepEqual(a.bytes(), bytes);
  assert.throws(() => a.add(1000, 1000, new Uint8Array(1)), /expected 1000|runs past/);
  assert.throws(
    () => new Assembler('big', 2 ** 40, 1 << 20),
    (e: Error & { code?: string }) => e.code === 'E_TOO_LARGE',
  );
});
