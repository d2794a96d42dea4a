import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError, Rng, runSecAggRound, SecAggClient, SecAggServer } from '@federa/core';
import { nodeSecAggCrypto as node } from './node-secagg-crypto.js';

// The node:crypto provider is checked against the specification computed directly with
// WebCrypto (X25519 → HKDF-SHA-256, AES-GCM, the AES-128-CTR keystream as little-endian words),
// and end to end against the core's default WebCrypto provider in SecAgg rounds.

const subtle = globalThis.crypto.subtle;
const bytes = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => rng.u32() & 255);
const u8 = (b: object) => b as Uint8Array<ArrayBuffer>;

async function webKeystreamWords(key: Uint8Array, words: number): Promise<Uint32Array> {
  const k = await subtle.importKey('raw', u8(key), 'AES-CTR', false, ['encrypt']);
  const ks = await subtle.encrypt(
    { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 },
    k,
    new Uint8Array(4 * words),
  );
  const view = new DataView(ks);
  return Uint32Array.from({ length: words }, (_, i) => view.getUint32(4 * i, true));
}

async function webAgree(secret: Uint8Array, peer: Uint8Array, salt: Uint8Array, info: string, len: number) {
  const pkcs8 = new Uint8Array([...Buffer.from('302e020100300506032b656e04220420', 'hex'), ...secret]);
  const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  const pub = await subtle.importKey('raw', u8(peer), { name: 'X25519' }, false, []);
  const shared = await subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256);
  const ikm = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveBits']);
  const info8 = new TextEncoder().encode(info);
  return new Uint8Array(
    await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: u8(salt), info: info8 }, ikm, 8 * len),
  );
}

describe('nodeSecAggCrypto', () => {
  it('adds and subtracts exactly the AES-128-CTR keystream words, across chunk boundaries and tails', async () => {
    const rng = new Rng(1);
    for (const words of [1, 3, 4, 8192, 8195, 3 * 8192 + 5]) {
      const k1 = bytes(rng, 16);
      const k2 = bytes(rng, 16);
      const y0 = Uint32Array.from({ length: words }, () => rng.u32());
      const y = y0.slice();
      await node.addMasks(
        [
          { key: k1, sign: 1 },
          { key: k2, sign: -1 },
        ],
        y,
      );
      const [w1, w2] = await Promise.all([webKeystreamWords(k1, words), webKeystreamWords(k2, words)]);
      const want = y0.map((v, i) => v + w1[i]! - w2[i]!);
      assert.deepEqual(y, want, `${words} words`);
    }
  });

  it('derives the same public keys and agreed HKDF keys as WebCrypto', async () => {
    const rng = new Rng(2);
    const a = await node.x25519FromSecret(bytes(rng, 32));
    const b = await node.x25519Generate();
    assert.deepEqual((await node.x25519FromSecret(b.secretKey)).publicKey, b.publicKey);
    const pkcs8 = new Uint8Array([...Buffer.from('302e020100300506032b656e04220420', 'hex'), ...a.secretKey]);
    const webPriv = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
    const jwk = await subtle.exportKey('jwk', webPriv);
    assert.deepEqual(a.publicKey, new Uint8Array(Buffer.from(jwk.x!, 'base64url')));
    const salt = bytes(rng, 16);
    for (const [use, len] of [
      ['AES-GCM-256', 32],
      ['AES-CTR-128', 16],
    ] as const) {
      const ab = await node.agreeKey(a, b.publicKey, salt, 'federa/test', use);
      const ba = await node.agreeKey(b, a.publicKey, salt, 'federa/test', use);
      assert.deepEqual(ab, ba);
      assert.deepEqual(ab, await webAgree(a.secretKey, b.publicKey, salt, 'federa/test', len));
    }
    const seed = bytes(rng, 32);
    const ikm = await subtle.importKey('raw', u8(seed), 'HKDF', false, ['deriveBits']);
    const info = new TextEncoder().encode('federa/secagg/v1/mask/b');
    const want = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: u8(salt), info }, ikm, 128);
    assert.deepEqual(await node.deriveKey(seed, salt, 'federa/secagg/v1/mask/b', 'AES-CTR-128'), new Uint8Array(want));
  });

  it('rejects low-order and malformed public keys with E_SECAGG_KEY', async () => {
    const a = await node.x25519Generate();
    const one = new Uint8Array(32);
    one[0] = 1;
    for (const pub of [new Uint8Array(32), one, new Uint8Array(31)]) {
      await assert.rejects(
        node.agreeKey(a, pub, new Uint8Array(16), 'x', 'AES-CTR-128'),
        (e: unknown) => e instanceof FederaError && e.code === 'E_SECAGG_KEY',
      );
    }
  });

  it('seals AES-256-GCM that WebCrypto opens, and refuses a tampered ciphertext', async () => {
    const rng = new Rng(3);
    const key = bytes(rng, 32);
    const iv = bytes(rng, 12);
    const aad = bytes(rng, 16);
    const pt = bytes(rng, 80);
    const sealed = await node.aesGcmEncrypt(key, iv, pt, aad);
    const wk = await subtle.importKey('raw', u8(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const opened = await subtle.decrypt({ name: 'AES-GCM', iv: u8(iv), additionalData: u8(aad) }, wk, u8(sealed));
    assert.deepEqual(new Uint8Array(opened), pt);
    assert.deepEqual(await node.aesGcmDecrypt(key, iv, sealed, aad), pt);
    const bad = sealed.slice();
    bad[5]! ^= 1;
    assert.equal(await node.aesGcmDecrypt(key, iv, bad, aad), undefined);
    assert.equal(await node.aesGcmDecrypt(key, iv, sealed, bytes(rng, 16)), undefined);
  });

  it('gives a SecAgg round bit-identical to the WebCrypto provider (same seeded keys)', async () => {
    const rng = new Rng(4);
    const vectors = Array.from({ length: 6 }, () => Float32Array.from({ length: 9000 }, () => rng.float() - 0.5));
    const opts = {
      vectors,
      threshold: 0.5,
      neighbours: 4,
      clip: 1,
      dropouts: [{ phase: 'maskedInputCollection' as const, clientIds: ['c2'] }],
    };
    const web = await runSecAggRound({ ...opts, rng: new Rng(5) });
    const fast = await runSecAggRound({ ...opts, rng: new Rng(5), crypto: node });
    assert.deepEqual(fast.sum, web.sum);
    assert.deepEqual(fast.survivors, web.survivors);
    const want = vectors[0]!.map((_, i) => vectors.reduce((s, v, k) => s + (k === 2 ? 0 : v[i]!), 0));
    for (let i = 0; i < want.length; i += 997) assert.ok(Math.abs(fast.sum[i]! - want[i]!) < 1e-6);
  });

  it('interoperates with WebCrypto clients in one session, dropouts included', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const m = 5000;
    const server = new SecAggServer({
      clientIds: ids,
      vectorLength: m,
      threshold: 3,
      clip: 1,
      rng: new Rng(6),
      crypto: node,
    });
    const clients = ids.map(
      (id, i) =>
        new SecAggClient(id, server.params, i % 2 ? { crypto: node } : { rng: new Rng(id), platformKeys: true }),
    );
    const x = ids.map((_, k) => Float32Array.from({ length: m }, (_, i) => Math.sin(i + k) / 2));
    for (const c of clients) server.receiveAdvertiseKeys(await c.advertiseKeys());
    for (const kl of server.finishAdvertiseKeys())
      server.receiveShareKeys(await clients[ids.indexOf(kl.to)]!.shareKeys(kl));
    // 'b' (node:crypto) drops before masking: the server removes its pairwise masks with its reconstructed key.
    for (const f of server.finishShareKeys()) {
      if (f.to !== 'b')
        server.receiveMaskedInput(await clients[ids.indexOf(f.to)]!.maskedInput(f, x[ids.indexOf(f.to)]!));
    }
    for (const r of server.finishMaskedInputCollection())
      server.receiveUnmasking(await clients[ids.indexOf(r.to)]!.unmask(r));
    const res = await server.finishUnmasking();
    assert.deepEqual(res.dropped, ['b']);
    for (let i = 0; i < m; i += 101) {
      const want = [0, 2, 3, 4].reduce((s, k) => s + x[k]![i]!, 0);
      assert.ok(Math.abs(res.sum[i]! - want) < 1e-6, `coordinate ${i}`);
    }
  });
});
