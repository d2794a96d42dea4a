// Homomorphic aggregation throughput: Paillier 2048-bit (paillier-bigint, the reference,
// against federa's own BigInt path: g = n+1, CRT decryption, DJN fixed-base randomiser, and
// a precomputed pool), raw and packed; CKKS through SEAL/WASM (N = 8192); ciphertext bytes
// per value. All rows come from this run, side by side.
//   npm run bench -- he [--quick]
// The yardstick: Python `phe` with gmpy2 encrypts one value in ~17 ms (59 values/s).
// Last line: one JSON object of the figures.
import { PrivateKey, PublicKey } from 'paillier-bigint';
import {
  Ckks,
  generatePaillierKeys,
  PaillierCiphertextVector,
  PaillierEncoder,
  PaillierPublicKey,
  splitPaillierKey,
} from '../packages/core/src/he/index.js';
import { Rng } from '../packages/core/src/rng.js';

const quick = process.argv.includes('--quick');
const BITS = 2048;
const PYTHON_MS_PER_VALUE = 17;
const reps = (full: number, q: number) => (quick ? q : full);

interface Row {
  name: string;
  encrypt: number; // values/s
  add: number;
  decrypt: number;
  bytesPerValue: number;
}
const rows: Row[] = [];
const out: Record<string, unknown> = { bench: 'he', quick, bits: BITS };

/** Median over 3 batches of the mean ms per call of `fn` (after one warm-up call): the machine is shared. */
function time(n: number, fn: (i: number) => void): number {
  fn(-1);
  const batch = Math.max(1, Math.ceil(n / 3));
  const ms: number[] = [];
  for (let b = 0; b < 3; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(b * batch + i);
    ms.push((performance.now() - t0) / batch);
  }
  return ms.sort((a, b) => a - b)[1] as number;
}
const perS = (ms: number, values = 1) => (1000 * values) / ms;
const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toPrecision(3));

// ---- keys ----------------------------------------------------------------------------------
let t0 = performance.now();
const { publicKey: pk, privateKey: sk } = generatePaillierKeys(BITS);
out.keygen_ms = Math.round(performance.now() - t0);
console.log(`Paillier ${BITS}-bit key pair (with DJN hs): ${out.keygen_ms} ms`);
const { lambda, mu } = sk.lambdaMu;
const refPub = new PublicKey(pk.n, pk.n + 1n);
const refPriv = new PrivateKey(lambda, mu, refPub);
const ctBytes = pk.ciphertextBytes;

// ---- raw: one value per ciphertext ---------------------------------------------------------
const small = 123456789n;
const refEnc = time(reps(10, 3), () => refPub.encrypt(small));
const c1 = pk.encrypt(small);
const c2 = pk.encrypt(small + 1n);
const refAdd = time(reps(2000, 300), () => refPub.addition(c1, c2));
const refDec = time(reps(10, 3), () => refPriv.decrypt(c1));
rows.push({
  name: 'paillier-bigint, 1 value/ct',
  encrypt: perS(refEnc),
  add: perS(refAdd),
  decrypt: perS(refDec),
  bytesPerValue: ctBytes,
});

pk.djn = false;
const classicEnc = time(reps(10, 3), () => pk.encrypt(small));
pk.djn = true;
const fresh = PaillierPublicKey.fromJSON(pk.toJSON()); // no table yet
t0 = performance.now();
fresh.encrypt(small); // builds the fixed-base table (≈ 5.5 MB), once per public key
out.djn_table_ms = Math.round(performance.now() - t0);
const djnEnc = time(reps(50, 15), () => pk.encrypt(small));
const poolN = reps(50, 15);
t0 = performance.now();
pk.precompute(poolN + 1);
out.pool_fill_ms_per_value = Number(((performance.now() - t0) / (poolN + 1)).toFixed(2));
const pooledEnc = time(poolN, () => pk.encrypt(small));
const ownAdd = time(reps(2000, 300), () => pk.add(c1, c2));
const crtDec = time(reps(30, 8), () => sk.decrypt(c1));
rows.push({
  name: 'federa classic r^n, 1 value/ct',
  encrypt: perS(classicEnc),
  add: perS(ownAdd),
  decrypt: perS(crtDec),
  bytesPerValue: ctBytes,
});
rows.push({
  name: 'federa DJN, 1 value/ct',
  encrypt: perS(djnEnc),
  add: perS(ownAdd),
  decrypt: perS(crtDec),
  bytesPerValue: ctBytes,
});
rows.push({
  name: 'federa pooled r^n, 1 value/ct',
  encrypt: perS(pooledEnc),
  add: perS(ownAdd),
  decrypt: perS(crtDec),
  bytesPerValue: ctBytes,
});
console.log(
  `raw ms/value: paillier-bigint enc ${refEnc.toFixed(1)} dec ${refDec.toFixed(1)}; federa classic enc ${classicEnc.toFixed(1)}, DJN enc ${djnEnc.toFixed(2)} (table ${out.djn_table_ms} ms once), pooled enc ${pooledEnc.toFixed(3)} (pool fill ${out.pool_fill_ms_per_value} ms/value off the critical path), CRT dec ${crtDec.toFixed(1)}`,
);

// ---- packed: the encoder, 100 clients, float32-grade precision -----------------------------
const CLIENTS = 100;
const enc = new PaillierEncoder({ bits: BITS, range: 1, clients: CLIENTS });
const nCts = reps(40, 6);
const V = enc.slots * nCts;
const rng = new Rng(7);
const vec = Float32Array.from({ length: V }, () => rng.float() * 2 - 1);
const vec2 = Float32Array.from({ length: V }, () => rng.float() * 2 - 1);
let ct = enc.encrypt(pk, vec);
let t = performance.now();
ct = enc.encrypt(pk, vec);
const packedEnc = performance.now() - t;
const ct2 = enc.encrypt(pk, vec2);
const acc = enc.accumulator(pk, V);
enc.addInto(pk, acc, ct);
enc.addInto(pk, acc, ct2);
const busy = enc.accumulator(pk, V); // a real sum (an empty accumulator would multiply by 1)
enc.addInto(pk, busy, ct);
const packedAdd = time(reps(30, 9), () => enc.addInto(pk, busy, ct2));
t = performance.now();
const sum = enc.decryptSum(sk, acc);
const packedDec = performance.now() - t;
let maxErr = 0;
for (let i = 0; i < V; i++)
  maxErr = Math.max(maxErr, Math.abs((sum[i] as number) - ((vec[i] as number) + (vec2[i] as number))));
const wire = ct.toBytes();
PaillierCiphertextVector.fromBytes(wire, pk);
rows.push({
  name: `federa DJN packed (${enc.slots} × ${enc.layout.slotBits}-bit slots)`,
  encrypt: perS(packedEnc, V),
  add: perS(packedAdd, V),
  decrypt: perS(packedDec, V),
  bytesPerValue: wire.length / V,
});
// The reference engine on the same packed plaintexts (its g^m is a full exponentiation then).
const packedPlain = BigInt(`0x${'7'.repeat(Math.floor((enc.slots * enc.layout.slotBits) / 4))}`);
const refPackedEnc = time(reps(6, 2), () => refPub.encrypt(packedPlain));
const refPackedDec = time(reps(6, 2), () => refPriv.decrypt(c1));
rows.push({
  name: 'paillier-bigint packed (same slots)',
  encrypt: perS(refPackedEnc, enc.slots),
  add: perS(refAdd, enc.slots),
  decrypt: perS(refPackedDec, enc.slots),
  bytesPerValue: ctBytes / enc.slots,
});
// n-of-n distributed decryption, 2 parties: each computes a full-length c^(d_i) mod n².
const shares = splitPaillierKey(sk, 2);
const partialMs = time(reps(4, 2), () => shares[0]?.partialDecrypt(c1));
rows.push({
  name: `federa 2-party distributed decrypt, packed`,
  encrypt: perS(packedEnc, V),
  add: perS(packedAdd, V),
  decrypt: perS(2 * partialMs, enc.slots),
  bytesPerValue: wire.length / V,
});
out.partial_decrypt_ms = Number(partialMs.toFixed(1));
out.packed_slots = enc.slots;
out.packed_slot_bits = enc.layout.slotBits;
out.packed_max_error_sum_of_2 = Number(maxErr.toExponential(2));
console.log(
  `packed: ${V} values in ${nCts} ciphertexts; max |error| of a 2-client sum ${maxErr.toExponential(2)} (quantisation bound ${(1 / enc.layout.scale).toExponential(2)}, plus float32 rounding of the output)`,
);

// ---- CKKS ------------------------------------------------------------------------------------
const ckks = await Ckks.load();
const keys = ckks.generateKeys();
const CV = ckks.slots * reps(10, 4);
const cvec = Float32Array.from({ length: CV }, () => rng.normal());
const warm = ckks.encrypt(keys.publicKey, cvec);
warm.delete();
t = performance.now();
const cacc = ckks.encrypt(keys.publicKey, cvec);
const ckksEnc = performance.now() - t;
const cwire = cacc.toBytes();
const cother = ckks.fromBytes(cwire, keys.publicKey);
const cAddReps = reps(20, 5);
t = performance.now();
for (let i = 0; i < cAddReps; i++) ckks.addInto(keys.publicKey, cacc, cother);
const ckksAdd = (performance.now() - t) / cAddReps;
t = performance.now();
const csum = ckks.decryptSum(keys.secretKey, cacc);
const ckksDec = performance.now() - t;
let cErr = 0;
for (let i = 0; i < CV; i++)
  cErr = Math.max(cErr, Math.abs((csum[i] as number) - (cAddReps + 1) * (cvec[i] as number)));
cacc.delete();
cother.delete();
keys.publicKey.delete();
keys.secretKey.delete();
ckks.delete();
rows.push({
  name: 'CKKS N=8192 (SEAL WASM)',
  encrypt: perS(ckksEnc, CV),
  add: perS(ckksAdd, CV),
  decrypt: perS(ckksDec, CV),
  bytesPerValue: cwire.length / CV,
});
out.ckks_max_error = Number(cErr.toExponential(2));
console.log(
  `CKKS: ${CV} values; max |error| of a ${cAddReps + 1}-fold sum ${cErr.toExponential(2)} (mostly float32 rounding of the output)`,
);

// ---- table -----------------------------------------------------------------------------------
console.log('\n| path | encrypt values/s | add values/s | decrypt values/s | bytes/value | × float32 |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.encrypt)} | ${fmt(r.add)} | ${fmt(r.decrypt)} | ${r.bytesPerValue.toFixed(1)} | ${(r.bytesPerValue / 4).toFixed(1)} |`,
  );
}
const keyOf = (name: string) => name.split(/[ ,(]/)[0]?.replace(/-/g, '_');
const tags = ['ref_raw', 'classic_raw', 'djn_raw', 'pooled_raw', 'djn_packed', 'ref_packed', 'shares2_packed', 'ckks'];
rows.forEach((r, i) => {
  const tag = tags[i] ?? keyOf(r.name);
  out[`${tag}_encrypt_vps`] = Number(r.encrypt.toPrecision(3));
  out[`${tag}_add_vps`] = Number(r.add.toPrecision(3));
  out[`${tag}_decrypt_vps`] = Number(r.decrypt.toPrecision(3));
  out[`${tag}_bytes_per_value`] = Number(r.bytesPerValue.toFixed(2));
});
const python = perS(PYTHON_MS_PER_VALUE);
const packed = rows[4] as Row;
out.ms_per_value = {
  ref_encrypt: Number(refEnc.toFixed(2)),
  ref_decrypt: Number(refDec.toFixed(2)),
  classic_encrypt: Number(classicEnc.toFixed(2)),
  djn_encrypt: Number(djnEnc.toFixed(2)),
  pooled_encrypt: Number(pooledEnc.toFixed(3)),
  crt_decrypt: Number(crtDec.toFixed(2)),
};
out.python_gmpy2_encrypt_vps = Number(python.toFixed(1));
out.djn_vs_ref_encrypt = Number((refEnc / djnEnc).toFixed(1));
out.packed_vs_python_encrypt = Number((packed.encrypt / python).toFixed(0));
const params = 199_210; // MNIST 2NN
out.mnist2nn_encrypt_s = Number((params / packed.encrypt).toFixed(2));
out.mnist2nn_decrypt_s = Number((params / packed.decrypt).toFixed(2));
console.log(
  `\nPython phe+gmpy2 (issue): ${python.toFixed(0)} values/s encrypt. federa DJN raw is ${(refEnc / djnEnc).toFixed(1)}× paillier-bigint; packed encrypt is ${out.packed_vs_python_encrypt}× Python's per value.`,
);
console.log(
  `An MNIST 2NN update (${params.toLocaleString('en')} floats): packed Paillier encrypt ≈ ${out.mnist2nn_encrypt_s} s per client, decrypt of the sum ≈ ${out.mnist2nn_decrypt_s} s; CKKS ≈ ${(params / (rows[7] as Row).encrypt).toFixed(2)} s / ${(params / (rows[7] as Row).decrypt).toFixed(2)} s.`,
);
console.log(JSON.stringify(out));
