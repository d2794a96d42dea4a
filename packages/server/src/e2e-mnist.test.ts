import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNodeClient, type FederaClient, generateIdentity, loadShard } from '@federa/client';
import { decodeWeights, LocalGrid, runFederated } from '@federa/core';
import { createModel, setupBackend, TfjsClient, TfjsModelAdapter } from '@federa/tfjs';
import { TOKENS } from './testing/fixtures.js';
import { MNIST_MODEL, mnistStrategy } from './testing/mnist-plan.js';

const ROUNDS = 4;
const SEED = 3;
const SERVER = new URL('./testing/mnist-server.ts', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server process; resolves with it once it listens. `until` resolves when a stdout line matches. */
function spawnServer(args: object): { child: ChildProcess; lines: string[]; until: (re: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) w.resolve(line);
    }
  });
  const until = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => re.test(l));
      if (hit) return resolve(hit);
      waiters.push({ re, resolve });
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before printing ${re}`)));
    });
  return { child, lines, until };
}

test('4 clients train MNIST over the network; SIGKILL the server mid-run, restart it on the same db: the run resumes and ends exactly as an uninterrupted run', async () => {
  await setupBackend({ prefer: 'wasm' });
  const shards = await Promise.all(
    [0, 1, 2, 3].map((k) => loadShard({ dataset: 'mnist', shard: k, of: 4, maxSamples: 120 })),
  );
  // The reference: the same seeded run in process, no network.
  const ref = new TfjsModelAdapter(createModel(MNIST_MODEL.name, MNIST_MODEL.options));
  const local = await runFederated({
    grid: new LocalGrid(
      shards.map((d, k) => [
        { id: `site-${k}` },
        new TfjsClient(`site-${k}`, new TfjsModelAdapter(createModel(MNIST_MODEL.name, MNIST_MODEL.options)), d),
      ]),
    ),
    strategy: mnistStrategy(),
    initial: ref.getWeights(),
    rounds: ROUNDS,
    seed: SEED,
  });

  const dir = await mkdtemp(join(tmpdir(), 'federa-e2e-'));
  const args = {
    db: join(dir, 'run.sqlite'),
    port: await freePort(),
    rounds: ROUNDS,
    seed: SEED,
    out: join(dir, 'final.bin'),
  };
  const clients: FederaClient[] = [];
  try {
    const first = spawnServer(args);
    const url = (await first.until(/^listening /)).split(' ')[1] as string;
    for (let k = 0; k < 4; k++) {
      const c = await createNodeClient({
        url,
        name: `site-${k}`,
        token: TOKENS[k],
        data: shards[k] as NonNullable<(typeof shards)[number]>,
        identity: await generateIdentity(),
        backoff: { initialMs: 50, maxMs: 300 },
      });
      c.start();
      clients.push(c);
    }
    await first.until(/^round 2 /);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = spawnServer(args);
    const done = await second.until(/^done /);
    await new Promise((r) => second.child.once('exit', r));
    const [, startRound, metrics] = done.split(' ');
    assert.ok(Number(startRound) >= 3, `the restarted server resumed after round ${Number(startRound) - 1}`);
    assert.equal(metrics, local.history.rounds.map((x) => `${x.trainLoss}/${x.fedLoss}/${x.fedAccuracy}`).join(','));
    assert.ok((local.history.last?.fedAccuracy ?? 0) > 0.5, 'the model learned MNIST');
    const final = decodeWeights(new Uint8Array(await readFile(args.out))).weights;
    assert.deepEqual(final.data, local.weights.data);
    assert.deepEqual(await Promise.all(clients.map((c) => c.finished)), Array(4).fill('run finished: rounds'));
  } finally {
    for (const c of clients) c.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
