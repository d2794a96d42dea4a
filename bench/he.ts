// Homomorphic aggregation throughput: Paillier 2048-bit (paillier-bigint, the reference,
// against federa's own BigInt path: g = n+1, CRT decryption, DJN fixed-base randomiser, and
// a precomputed pool), raw and packed; CKKS through SEAL/WASM (N = 8192); ciphertext bytes
// per value. The Paillier operations are measured interleaved (one of each per round,
// median over rounds), so every row sees the same machine load.
//   npm run bench -- he [--quick]
// The issue's yardstick: Python `phe` with gmpy2 encrypts one value in ~17 ms (59 values/s).
// Last line: one JSON object of the figures.

import {
  Ckks,
  generatePaillierKeys,
  PaillierCiphertextVector,
  PaillierEncoder,
  PaillierPublicKey,
  Rng,
  splitPaillierKey,
} from '@federa/core';
import { PrivateKey, PublicKey } from 'paillier-bigint';

const quick = process.argv.includes('--quick');
const BITS = 2048;
const CLIENTS = 100;
const PYTHON_MS_PER_VALUE = 17;
const ROUNDS = quick ? 3 : 9;
const out: Record<string, unknown> = { bench: 'he', quick, bits: BITS, rounds: ROUNDS };
const perS = (ms: number, values = 1) => (1000 * values) / ms;
const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// ---- keys and operands -------------------------------------------------------------------
let t0 = performance.now();
const { publicKey: pk, privateKey: sk } = generatePaillierKeys(BITS);
out.keygen_ms = Math.round(performance.now() - t0);
const classic = PaillierPublicKey.fromJSON({ n: pk.n.toString(16) }); // no hs: r^n for a random r
const { lambda, mu } = sk.lambdaMu;
const refPub = new PublicKey(pk.n, pk.n + 1n);
const refPriv = new PrivateKey(lambda, mu, refPub);
const shares = splitPaillierKey(sk, 2);
t0 = performance.now();
pk.encrypt(1n); // builds the DJN fixed-base table (≈ 5.5 MB), once per public key
out.djn_table_ms = Math.round(performance.now() - t0);
console.log(`Paillier ${BITS}-bit: key pair ${out.keygen_ms} ms, DJN table ${out.djn_table_ms} ms (once per key)`);

const enc = new PaillierEncoder({ bits: BITS, range: 1, clients: CLIENTS });
const rng = new Rng(7);
const chunk = Float32Array.from({ length: enc.slots }, () => rng.float() * 2 - 1);
const packedPlain = BigInt(`0x${'7'.repeat(Math.floor((enc.slots * enc.layout.slotBits) / 4))}`);
const small = 123456789n;
const c1 = pk.encrypt(small);
const c2 = pk.encrypt(small + 1n);

// ---- interleaved Paillier timings (ms per call) -------------------------------------------
const ops: Record<string, { reps: number; fn: () => unknown }> = {
  ref_encrypt: { reps: 1, fn: () => refPub.encrypt(small) },
  classic_encrypt: { reps: 1, fn: () => classic.encrypt(small) },
  djn_encrypt: { reps: 4, fn: () => pk.encrypt(small) },
  pooled_encrypt: { reps: 4, fn: () => pk.encrypt(small) }, // the pool is filled before, untimed
  ref_packed_encrypt: { reps: 1, fn: () => refPub.encrypt(packedPlain) },
  packed_encrypt: { reps: 4, fn: () => enc.encrypt(pk, chunk) }, // quantise + pack + encrypt one ciphertext
  ref_add: { reps: 200, fn: () => refPub.addition(c1, c2) },
  add: { reps: 200, fn: () => pk.add(c1, c2) },
  ref_decrypt: { reps: 1, fn: () => refPriv.decrypt(c1) },
  crt_decrypt: { reps: 2, fn: () => sk.decrypt(c1) },
  partial_decrypt: { reps: 1, fn: () => shares[0]?.partialDecrypt(c1) },
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ops).map((k) => [k, []]));
let poolFill = 0;
for (let round = -1; round < ROUNDS; round++) {
  for (const [name, op] of Object.entries(ops)) {
    if (name === 'pooled_encrypt') {
      const t = performance.now();
      pk.precompute(op.reps);
      if (round >= 0) poolFill += (performance.now() - t) / op.reps;
    }
    const t = performance.now();
    for (let i = 0; i < op.reps; i++) op.fn();
    if (round >= 0) samples[name]?.push((performance.now() - t) / op.reps); // round −1 warms up
  }
  if (round >= 0) process.stdout.write(`  round ${round + 1}/${ROUNDS}\r`);
}
const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<string, number>;
const m = (k: string) => ms[k] as number;
out.pool_fill_ms = Number((poolFill / ROUNDS).toFixed(2));
out.ms = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Number(v.toPrecision(3))]));
console.log(
  `ms per call (median of ${ROUNDS} interleaved rounds): ${Object.entries(ms)
    .map(([k, v]) => `${k} ${v.toPrecision(3)}`)
    .join(', ')}; pool fill ${out.pool_fill_ms} ms per randomiser (off the critical path)`,
);

// ---- packed correctness on a real sum ------------------------------------------------------
const V = enc.slots * (quick ? 3 : 10);
const a = Float32Array.from({ length: V }, () => rng.float() * 2 - 1);
const b = Float32Array.from({ length: V }, () => rng.float() * 2 - 1);
const acc = enc.accumulator(pk, V);
const wire = enc.encrypt(pk, a).toBytes();
enc.addInto(pk, acc, PaillierCiphertextVector.fromBytes(wire, pk));
enc.addInto(pk, acc, enc.encrypt(pk, b));
const sum = enc.decryptSum(sk, acc);
let maxErr = 0;
for (let i = 0; i < V; i++)
  maxErr = Math.max(maxErr, Math.abs((sum[i] as number) - ((a[i] as number) + (b[i] as number))));
out.packed_slots = enc.slots;
out.packed_slot_bits = enc.layout.slotBits;
out.packed_max_error_sum_of_2 = Number(maxErr.toExponential(2));
console.log(
  `packed (${enc.slots} × ${enc.layout.slotBits}-bit slots for ${CLIENTS} clients): max |error| of a 2-client sum ${maxErr.toExponential(2)} (quantisation bound ${(1 / enc.layout.scale).toExponential(2)}, plus float32 rounding of the output)`,
);

// ---- CKKS --------------------------------------------------------------------------------
const ckks = await Ckks.load();
const keys = ckks.generateKeys();
const CV = ckks.slots * (quick ? 4 : 10);
const cvec = Float32Array.from({ length: CV }, () => rng.normal());
const ck: Record<string, number[]> = { encrypt: [], add: [], decrypt: [] };
let cbytes = 0;
let cErr = 0;
for (let round = -1; round < ROUNDS; round++) {
  let t = performance.now();
  const x = ckks.encrypt(keys.publicKey, cvec);
  const te = performance.now() - t;
  const y = ckks.fromBytes(x.toBytes(), keys.publicKey);
  cbytes = x.toBytes().length;
  t = performance.now();
  ckks.addInto(keys.publicKey, x, y);
  const ta = performance.now() - t;
  t = performance.now();
  const s = ckks.decryptSum(keys.secretKey, x);
  const td = performance.now() - t;
  for (let i = 0; i < CV; i++) cErr = Math.max(cErr, Math.abs((s[i] as number) - 2 * (cvec[i] as number)));
  x.delete();
  y.delete();
  if (round >= 0) {
    ck.encrypt?.push(te);
    ck.add?.push(ta);
    ck.decrypt?.push(td);
  }
}
keys.publicKey.delete();
keys.secretKey.delete();
ckks.delete();
out.ckks_ms_per_4096 = Object.fromEntries(
  Object.entries(ck).map(([k, v]) => [k, Number(((median(v) * ckks.slots) / CV).toPrecision(3))]),
);
out.ckks_max_error = Number(cErr.toExponential(2));
console.log(`CKKS N=8192: ${CV} values per call; max |error| of a 2-sum ${cErr.toExponential(2)} (float32 output)`);

// ---- table -------------------------------------------------------------------------------
const ctBytes = pk.ciphertextBytes;
const packedBytes = wire.length / V;
const S = enc.slots;
const rows: [string, string, number, number, number, number][] = [
  [
    'paillier-bigint 3.4.3, 1 value/ct',
    'ref_raw',
    perS(m('ref_encrypt')),
    perS(m('ref_add')),
    perS(m('ref_decrypt')),
    ctBytes,
  ],
  [
    'federa classic r^n, 1 value/ct',
    'classic_raw',
    perS(m('classic_encrypt')),
    perS(m('add')),
    perS(m('crt_decrypt')),
    ctBytes,
  ],
  ['federa DJN, 1 value/ct', 'djn_raw', perS(m('djn_encrypt')), perS(m('add')), perS(m('crt_decrypt')), ctBytes],
  [
    'federa pooled randomiser (online part), 1 value/ct',
    'pooled_raw',
    perS(m('pooled_encrypt')),
    perS(m('add')),
    perS(m('crt_decrypt')),
    ctBytes,
  ],
  [
    `federa DJN packed (${S} × ${enc.layout.slotBits}-bit slots)`,
    'djn_packed',
    perS(m('packed_encrypt'), S),
    perS(m('add'), S),
    perS(m('crt_decrypt'), S),
    packedBytes,
  ],
  [
    'paillier-bigint on the same packed plaintexts',
    'ref_packed',
    perS(m('ref_packed_encrypt'), S),
    perS(m('ref_add'), S),
    perS(m('ref_decrypt'), S),
    ctBytes / S,
  ],
  [
    'federa packed, 2-party distributed decryption',
    'shares2_packed',
    perS(m('packed_encrypt'), S),
    perS(m('add'), S),
    perS(2 * m('partial_decrypt'), S),
    packedBytes,
  ],
  [
    'CKKS N=8192, [60, 60], 2^40 (SEAL WASM)',
    'ckks',
    perS(median(ck.encrypt ?? []), CV),
    perS(median(ck.add ?? []), CV),
    perS(median(ck.decrypt ?? []), CV),
    cbytes / CV,
  ],
];
console.log('\n| path | encrypt values/s | add values/s | decrypt values/s | bytes/value | × float32 |');
console.log('|---|---|---|---|---|---|');
for (const [name, tag, e, ad, d, bytes] of rows) {
  console.log(`| ${name} | ${fmt(e)} | ${fmt(ad)} | ${fmt(d)} | ${bytes.toFixed(1)} | ${(bytes / 4).toFixed(1)} |`);
  out[`${tag}_encrypt_vps`] = Number(e.toPrecision(3));
  out[`${tag}_add_vps`] = Number(ad.toPrecision(3));
  out[`${tag}_decrypt_vps`] = Number(d.toPrecision(3));
  out[`${tag}_bytes_per_value`] = Number(bytes.toFixed(2));
}
const python = perS(PYTHON_MS_PER_VALUE);
const packedEnc = rows[4]?.[2] as number;
const packedDec = rows[4]?.[4] as number;
out.python_gmpy2_encrypt_vps = Number(python.toFixed(1));
out.djn_vs_ref_encrypt = Number((m('ref_encrypt') / m('djn_encrypt')).toFixed(1));
out.classic_vs_ref_encrypt = Number((m('ref_encrypt') / m('classic_encrypt')).toFixed(1));
out.crt_vs_ref_decrypt = Number((m('ref_decrypt') / m('crt_decrypt')).toFixed(1));
out.packed_vs_python_encrypt = Number((packedEnc / python).toFixed(0));
const params = 199_210; // MNIST 2NN
out.mnist2nn_paillier_encrypt_s = Number((params / packedEnc).toFixed(1));
out.mnist2nn_paillier_decrypt_s = Number((params / packedDec).toFixed(1));
out.mnist2nn_ckks_encrypt_s = Number((params / (rows[7]?.[2] as number)).toFixed(2));
out.mnist2nn_ckks_decrypt_s = Number((params / (rows[7]?.[4] as number)).toFixed(2));
console.log(
  `\nvs paillier-bigint: encrypt ${out.classic_vs_ref_encrypt}× (g = n+1), ${out.djn_vs_ref_encrypt}× (DJN); decrypt ${out.crt_vs_ref_decrypt}× (CRT).`,
);
console.log(
  `Python phe+gmpy2 (issue): ${python.toFixed(0)} values/s encrypt; federa packed: ${out.packed_vs_python_encrypt}× that.`,
);
console.log(
  `An MNIST 2NN update (${params.toLocaleString('en')} floats): packed Paillier ≈ ${out.mnist2nn_paillier_encrypt_s} s to encrypt per client, ≈ ${out.mnist2nn_paillier_decrypt_s} s to decrypt the sum; CKKS ≈ ${out.mnist2nn_ckks_encrypt_s} s / ${out.mnist2nn_ckks_decrypt_s} s.`,
);
console.log(JSON.stringify(out));
