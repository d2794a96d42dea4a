import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { SecAggClient } from './client.js';
import type { ForwardedSharesMessage } from './messages.js';
import { quantize } from './quantize.js';
import { SecAggServer } from './server.js';

const M = 10_000;
const ids = ['alice', 'bob', 'carol', 'dave'];

/** Runs AdvertiseKeys and ShareKeys for 4 clients; returns what MaskedInputCollection needs. */
async function toMasking(seed: number, bits = 32) {
  const server = new SecAggServer({ clientIds: ids, vectorLength: M, threshold: 3, clip: 1, bits, rng: new Rng(seed) });
  const clients = new Map(
    ids.map((id) => [id, new SecAggClient(id, server.params, { rng: new Rng(`${seed}:${id}`) })]),
  );
  for (const c of clients.values()) server.receiveAdvertiseKeys(await c.advertiseKeys());
  for (const kl of server.finishAdvertiseKeys()) server.receiveShareKeys(await clients.get(kl.to)!.shareKeys(kl));
  const forwarded = new Map(server.finishShareKeys().map((f) => [f.to, f]));
  return { server, clients, forwarded };
}

const input = () => {
  const rng = new Rng(99);
  return Float32Array.from({ length: M }, () => (rng.float() * 2 - 1) * 0.5);
};

/** χ² statistic of the values' top 8 bits (of `bits`) against 256 equally likely buckets. */
function chiSquare(v: Uint32Array, bits: number): number {
  const counts = new Float64Array(256);
  for (const x of v) counts[(x >>> (bits - 8)) & 255]!++;
  const e = v.length / 256;
  let chi = 0;
  for (const c of counts) chi += (c - e) ** 2 / e;
  return chi;
}
/** χ²(255) at p = 1e−4 (Wilson–Hilferty): a uniform vector exceeds it once in 10,000 seeds. */
const CHI2_255_P1E4 = 255 * (1 - 2 / (9 * 255) + 3.719 * Math.sqrt(2 / (9 * 255))) ** 3;

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof FederaError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('SecAgg protocol messages', () => {
  for (const bits of [32, 20]) {
    it(`a masked input y_u the server sees passes a χ² uniformity test (${bits}-bit ring); the unmasked one fails it`, async () => {
      const { clients, forwarded } = await toMasking(1, bits);
      const alice = clients.get('alice')!;
      const { y } = await alice.maskedInput(forwarded.get('alice')!, input());
      const masked = chiSquare(y, bits);
      assert.ok(masked < CHI2_255_P1E4, `masked χ² ${masked.toFixed(1)} ≥ ${CHI2_255_P1E4.toFixed(1)}`);
      // The same input quantized but not masked (what the server would see without SecAgg).
      const p = alice.params;
      const plain = quantize(input(), { clip: p.clip, scale: p.scale, weight: 1, l2Clip: 0, extra: false }, new Rng(1));
      const bare = chiSquare(
        plain.map((v) => v & (2 ** bits - 1)),
        bits,
      );
      assert.ok(bare > 10 * CHI2_255_P1E4, `unmasked χ² ${bare.toFixed(1)}`);
    });
  }

  it('the masks cancel: Σ y_u minus the self-masks is the quantized sum', async () => {
    const { server, clients, forwarded } = await toMasking(2);
    const x = input();
    for (const id of ids) server.receiveMaskedInput(await clients.get(id)!.maskedInput(forwarded.get(id)!, x));
    for (const rq of server.finishMaskedInputCollection())
      server.receiveUnmasking(await clients.get(rq.to)!.unmask(rq));
    const r = await server.finishUnmasking();
    const step = 1 / server.params.scale;
    for (let i = 0; i < M; i += 97) assert.ok(Math.abs(r.sum[i]! - 4 * x[i]!) <= 4 * step);
  });

  it('a tampered share ciphertext is rejected (E_SECAGG_CIPHERTEXT)', async () => {
    const { clients, forwarded } = await toMasking(3);
    const fw = forwarded.get('bob')!;
    const ciphertexts = fw.ciphertexts.map((c, i) => {
      if (i !== 1) return c;
      const t = c.ciphertext.slice();
      t[t.length - 20]! ^= 1;
      return { from: c.from, ciphertext: t };
    });
    await rejectsWith(
      clients.get('bob')!.maskedInput({ to: 'bob', ciphertexts }, input()),
      'E_SECAGG_CIPHERTEXT',
      /does not authenticate/,
    );
  });

  it('a foreign ciphertext is rejected: addressed to another client, or relabelled with another sender', async () => {
    const { clients, forwarded } = await toMasking(4);
    const toCarol = forwarded.get('carol')!.ciphertexts.find((c) => c.from === 'alice')!;
    const misaddressed: ForwardedSharesMessage = {
      to: 'bob',
      ciphertexts: forwarded.get('bob')!.ciphertexts.map((c) => (c.from === 'alice' ? toCarol : c)),
    };
    await rejectsWith(clients.get('bob')!.maskedInput(misaddressed, input()), 'E_SECAGG_CIPHERTEXT', /'alice'/);
    const { clients: c2, forwarded: f2 } = await toMasking(4);
    const bobIn = f2.get('bob')!.ciphertexts;
    const fromDave = bobIn.find((c) => c.from === 'dave')!.ciphertext;
    const relabelled: ForwardedSharesMessage = {
      to: 'bob',
      ciphertexts: bobIn.map((c) => (c.from === 'carol' ? { from: 'carol', ciphertext: fromDave } : c)),
    };
    await rejectsWith(c2.get('bob')!.maskedInput(relabelled, input()), 'E_SECAGG_CIPHERTEXT', /'carol'/);
  });

  it('a ciphertext from another session (same clients, new keys) is rejected', async () => {
    const a = await toMasking(5);
    const b = await toMasking(6);
    const replay: ForwardedSharesMessage = {
      to: 'bob',
      ciphertexts: a.forwarded
        .get('bob')!
        .ciphertexts.map((c) =>
          c.from === 'dave' ? b.forwarded.get('bob')!.ciphertexts.find((x) => x.from === 'dave')! : c,
        ),
    };
    await rejectsWith(a.clients.get('bob')!.maskedInput(replay, input()), 'E_SECAGG_CIPHERTEXT', /'dave'/);
  });

  it('enforces the protocol order and validates what arrives', async () => {
    const server = new SecAggServer({ clientIds: ids, vectorLength: 8, threshold: 3, clip: 1, rng: new Rng(7) });
    const alice = new SecAggClient('alice', server.params, { rng: new Rng(1) });
    await rejectsWith(alice.unmask({ to: 'alice', survivors: [], dropped: [] }), 'E_SECAGG_PHASE', /state 'new'/);
    const adv = await alice.advertiseKeys();
    server.receiveAdvertiseKeys(adv);
    assert.throws(() => server.receiveAdvertiseKeys(adv), /second message from 'alice'/);
    assert.throws(() => server.receiveAdvertiseKeys({ ...adv, from: 'mallory' }), /not in this round's client set/);
    assert.throws(() => server.receiveAdvertiseKeys({ ...adv, from: 'bob', cPk: new Uint8Array(5) }), /32 bytes/);
    assert.throws(() => server.receiveMaskedInput({ from: 'alice', y: new Uint32Array(8) }), /E_SECAGG_PHASE|phase/);
    await assert.rejects(alice.shareKeys({ to: 'bob', keys: [] }), /addressed to 'bob'/);
    // Keys from the server that leave out alice's own are refused.
    await assert.rejects(alice.shareKeys({ to: 'alice', keys: [] }), /own keys are missing/);
  });

  it('a client reveals b or s^SK of a neighbour, never both', async () => {
    const { clients, forwarded } = await toMasking(8);
    const bob = clients.get('bob')!;
    await bob.maskedInput(forwarded.get('bob')!, input());
    await assert.rejects(
      bob.unmask({ to: 'bob', survivors: ['alice', 'bob', 'carol'], dropped: ['carol'] }),
      /both survivor and dropped/,
    );
  });

  it('refuses a neighbourhood of more than 255 clients (GF(2^8) Shamir) with a hint to use SecAgg+', async () => {
    const many = Array.from({ length: 256 }, (_, i) => `c${i}`);
    const server = new SecAggServer({ clientIds: many, vectorLength: 4, threshold: 0.5, clip: 1, rng: new Rng(1) });
    const c0 = new SecAggClient('c0', server.params, { rng: new Rng(1), platformKeys: true });
    const adv = await c0.advertiseKeys();
    const keys = many.map((id, i) => {
      if (i === 0) return { id, cPk: adv.cPk, sPk: adv.sPk };
      const k = new Uint8Array(32).fill(7);
      k[0] = i & 255;
      k[1] = i >> 8;
      const s = k.slice();
      s[2] = 0x80;
      return { id, cPk: k, sPk: s };
    });
    await assert.rejects(c0.shareKeys({ to: 'c0', keys }), /255 Shamir shares.*SecAgg\+/);
  });
});
