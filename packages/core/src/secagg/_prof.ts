import { Rng } from '@federa/core';
import { runSecAggRound } from './round.js';

const m = 100000,
  n = Number(process.argv[2] ?? 10);
const rng = new Rng(1);
const x = Float32Array.from({ length: m }, () => rng.float() * 2 - 1);
const vectors = Array.from({ length: n }, () => x);
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const res = await runSecAggRound({
    vectors,
    threshold: 0.5,
    clip: 1,
    rng: new Rng(r),
    neighbours: process.argv[3] === 'h' ? 'harary' : 'complete',
  });
  console.log(
    'total',
    (performance.now() - t0).toFixed(1),
    'client',
    res.clientMs.toFixed(1),
    'max',
    res.maxClientMs.toFixed(1),
    'server',
    res.serverMs.toFixed(1),
    res.bytesUp,
    res.bytesDown,
  );
}
