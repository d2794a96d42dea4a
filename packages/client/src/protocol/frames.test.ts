import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame, encodeFrame } from './frames.js';

test('frames round-trip; text, garbage, empty and oversized frames are refused with typed errors', () => {
  const bytes = encodeFrame({ case: 'want', value: { transferId: 'w-1', offset: 42n } });
  const f = decodeFrame(bytes);
  assert.equal(f.case, 'want');
  assert.equal(f.value.transferId, 'w-1');
  assert.equal(f.value.offset, 42n);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'ok';
  };
  assert.equal(
    code(() => decodeFrame('hello')),
    'E_FRAME',
  );
  assert.equal(
    code(() => decodeFrame(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))),
    'E_FRAME',
  );
  assert.equal(
    code(() => decodeFrame(new Uint8Array(0))),
    'E_FRAME',
  );
  assert.equal(
    code(() => decodeFrame(bytes, 4)),
    'E_TOO_LARGE',
  );
  assert.equal(decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).case, 'want');
});
