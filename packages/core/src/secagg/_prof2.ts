import { Rng } from '../rng.js';
import { SecAggClient } from './client.js';
import { SecAggServer } from './server.js';

const m = 100000,
  n = 10;
const rng = new Rng(1);
const x = Float32Array.from({ length: m }, () => rng.float() * 2 - 1);
for (let rep = 0; rep < 3; rep++) {
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const server = new SecAggServer({ clientIds: ids, vectorLength: m, threshold: 0.5, clip: 1, rng: new Rng(rep) });
  const cl = ids.map((id) => new SecAggClient(id, server.params, { rng: new Rng(id), platformKeys: true }));
  const T: Record<string, number> = {};
  const tm = async <X>(k: string, f: () => Promise<X>) => {
    const t = performance.now();
    const r = await f();
    T[k] = (T[k] ?? 0) + performance.now() - t;
    return r;
  };
  for (const c of cl) server.receiveAdvertiseKeys(await tm('adv', () => c.advertiseKeys()));
  const kl = server.finishAdvertiseKeys();
  for (const k of kl) server.receiveShareKeys(await tm('share', () => cl.find((c) => c.id === k.to)!.shareKeys(k)));
  const fw = server.finishShareKeys();
  for (const f of fw)
    server.receiveMaskedInput(await tm('mask', () => cl.find((c) => c.id === f.to)!.maskedInput(f, x)));
  const rq = server.finishMaskedInputCollection();
  for (const q of rq) server.receiveUnmasking(await tm('unmask', () => cl.find((c) => c.id === q.to)!.unmask(q)));
  await tm('server', () => server.finishUnmasking());
  console.log(
    Object.entries(T)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join('  '),
  );
}
