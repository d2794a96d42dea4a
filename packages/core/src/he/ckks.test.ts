import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { Ckks, type CkksKeyPair } from './ckks.js';

// Catch SEAL's WASM memory as it is instantiated, to check that loops do not leak.
let wasmMemory: WebAssembly.Memory | undefined;
const instantiate = WebAssembly.instantiate;
(WebAssembly as { instantiate: unknown }).instantiate = async (...args: Parameters<typeof instantiate>) => {
  const r = (await instantiate(...args)) as unknown as { instance?: WebAssembly.Instance } & WebAssembly.Instance;
  for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof WebAssembly.Memory) wasmMemory = v;
  return r;
};

const code = (c: string) => (e: unknown) => e instanceof FederaError && e.code === c;

describe('CKKS through SEAL (N = 8192, coeffModBits [60, 60], scale 2^40)', () => {
  let ckks: Ckks;
  let keys: CkksKeyPair;
  let other: CkksKeyPair;
  before(async () => {
    ckks = await Ckks.load();
    WebAssembly.instantiate = instantiate;
    keys = ckks.generateKeys();
    other = ckks.generateKeys();
  });
  after(() => {
    keys.publicKey.delete();
    keys.secretKey.delete();
    other.publicKey.delete();
    other.secretKey.delete();
    ckks.delete();
  });

  it('decrypts the sum of 10 clients’ vectors (two ciphertexts each) within 1e-5, through bytes', () => {
    assert.equal(ckks.slots, 4096);
    const rng = new Rng(3);
    const n = 5000; // spans two ciphertexts
    const xs = Array.from({ length: 10 }, () => Float32Array.from({ length: n }, () => rng.normal() * 2));
    const pub = ckks.publicKeyFromBytes(keys.publicKey.bytes); // what a client holds
    let acc: ReturnType<Ckks['encrypt']> | undefined;
    for (const x of xs) {
      const sent = ckks.encrypt(pub, x);
      const wire = sent.toBytes();
      sent.delete();
      assert.ok(wire.length > 32 * n && wire.length < 34 * 8192, `${wire.length} bytes`);
      const got = ckks.fromBytes(wire, keys.publicKey);
      if (acc) {
        ckks.addInto(keys.publicKey, acc, got);
        got.delete();
      } else acc = got;
    }
    pub.delete();
    const sum = ckks.decryptSum(keys.secretKey, acc as NonNullable<typeof acc>);
    assert.equal(acc?.weight, 10);
    acc?.delete();
    let maxErr = 0;
    for (let i = 0; i < n; i++) {
      const want = xs.reduce((s, x) => s + (x[i] as number), 0);
      maxErr = Math.max(maxErr, Math.abs((sum[i] as number) - Math.fround(want)));
    }
    assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
  });

  it('pre-weights by the client’s weight and refuses values beyond the limit', () => {
    const a = ckks.encrypt(keys.publicKey, new Float32Array([1, -2]), 3);
    const b = ckks.encrypt(keys.publicKey, new Float32Array([0.5, 0.5]), 2);
    ckks.addInto(keys.publicKey, a, b);
    b.delete();
    assert.equal(a.weight, 5);
    const sum = ckks.decryptSum(keys.secretKey, a);
    a.delete();
    assert.ok(Math.abs((sum[0] as number) - 4) < 1e-6 && Math.abs((sum[1] as number) + 5) < 1e-6, `${sum}`);
    assert.throws(() => ckks.encrypt(keys.publicKey, new Float32Array([ckks.limit * 2])), code('E_HE_RANGE'));
    assert.throws(() => ckks.encrypt(keys.publicKey, new Float32Array([Number.NaN])), code('E_NONFINITE'));
  });

  it('rejects another key’s ciphertexts and malformed bytes', () => {
    const foreign = ckks.encrypt(other.publicKey, new Float32Array([1]));
    const mine = ckks.encrypt(keys.publicKey, new Float32Array([1]));
    const wire = mine.toBytes();
    try {
      assert.throws(() => ckks.addInto(keys.publicKey, mine, foreign), code('E_HE_KEY'));
      assert.throws(() => ckks.fromBytes(foreign.toBytes(), keys.publicKey), code('E_HE_KEY'));
      assert.throws(() => ckks.decryptSum(other.secretKey, mine), code('E_HE_KEY'));
      assert.throws(() => ckks.fromBytes(wire.subarray(0, 10)), code('E_HE_BYTES'));
      assert.throws(() => ckks.fromBytes(wire.subarray(0, wire.length - 7)), /truncated/);
      const garbled = wire.slice();
      garbled.fill(0xab, 40, 200); // inside SEAL's own header and data
      assert.throws(() => ckks.fromBytes(garbled), code('E_HE_BYTES'));
      assert.throws(() => ckks.publicKeyFromBytes(new Uint8Array(100)), code('E_HE_KEY'));
      const badKey = keys.publicKey.bytes.slice();
      badKey[20] ^= 0xff; // inside SEAL's header
      assert.throws(() => ckks.publicKeyFromBytes(badKey), /layout/);
    } finally {
      foreign.delete();
      mine.delete();
    }
  });

  it('refuses mutated bytes with E_HE_BYTES and never lets SEAL trap (300 seeded mutations)', () => {
    const ct = ckks.encrypt(keys.publicKey, new Float32Array([1, 2, 3]));
    const wire = ct.toBytes();
    ct.delete();
    const rng = new Rng(1);
    let parsed = 0;
    for (let k = 0; k < 300; k++) {
      const b = wire.slice();
      // Half the mutations hit the headers (ours and SEAL's), half anywhere.
      for (let j = 0, n = 1 + rng.int(8); j < n; j++) b[rng.int(k % 2 ? 200 : b.length)] = rng.int(256);
      try {
        ckks.fromBytes(b).delete();
        parsed++; // a coefficient changed to another valid residue: still a well-formed ciphertext
      } catch (e) {
        assert.ok(e instanceof FederaError && e.code === 'E_HE_BYTES', String(e));
      }
    }
    assert.ok(parsed < 200, `${parsed} parsed`);
    // SEAL still works afterwards.
    const again = ckks.encrypt(keys.publicKey, new Float32Array([4]));
    assert.ok(Math.abs((ckks.decryptSum(keys.secretKey, again)[0] as number) - 4) < 1e-6);
    again.delete();
  });

  it('frees its WASM memory: 200 encrypt/serialize/add/delete rounds do not grow the heap', () => {
    const x = new Float32Array(4096).fill(0.5);
    const acc = ckks.encrypt(keys.publicKey, x);
    const cycle = (k: number, free: boolean) => {
      for (let i = 0; i < k; i++) {
        const sent = ckks.encrypt(keys.publicKey, x);
        const c = ckks.fromBytes(sent.toBytes());
        ckks.addInto(keys.publicKey, acc, c);
        if (free) {
          sent.delete();
          c.delete();
        }
      }
    };
    assert.ok(wasmMemory, 'SEAL WASM memory found');
    cycle(20, true);
    const before = wasmMemory.buffer.byteLength;
    cycle(200, true); // 200 × 2 × 128 KiB would be 50 MiB if leaked
    assert.equal(wasmMemory.buffer.byteLength, before);
    cycle(200, false); // the check can fail: without delete() the heap grows
    assert.ok(wasmMemory.buffer.byteLength > before + 40 * 2 ** 20);
    acc.delete();
  });

  it('refuses parameters SEAL cannot make secure', async () => {
    await assert.rejects(Ckks.load({ coeffModBits: [60, 60, 60, 60], polyModulusDegree: 4096 }), code('E_ARG'));
    await assert.rejects(Ckks.load({ scaleBits: 58 }), code('E_ARG'));
  });
});
