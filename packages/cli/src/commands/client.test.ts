import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ClientEvent, createNodeClient, FileClientState, loadShard } from '@federa/client';
import { SCAFFOLD_STATE_KEY, type Weights } from '@federa/core';
import { parseConfig } from '../config/index.js';
import { clientCommand, defaultStateFile } from './client.js';
import { serverCommand } from './server.js';
import { freePort } from './testing.js';

test('the default state file sits beside the key file', () => {
  assert.equal(defaultStateFile('.federa-shard-0-of-4.key.json'), '.federa-shard-0-of-4.state');
  assert.equal(defaultStateFile('/etc/federa/site-1.json'), '/etc/federa/site-1.state');
  assert.equal(defaultStateFile('keys/site.pem'), 'keys/site.pem.state');
});

const config = parseConfig(
  {
    name: 'cli-state',
    seed: 3,
    rounds: 2,
    data: { dataset: 'mnist', partition: 'iid', clients: 2, testSubset: 100 },
    model: 'mlp2nn',
    strategy: { name: 'scaffold', fraction: 1 },
    client: { epochs: 1, batchSize: 20, lr: 0.05 },
  },
  'test',
);
const TOKENS = ['tok-site-0000', 'tok-site-1111'];

/** `federa server` with `config` on a free port, its database in `dir`. */
async function serve(dir: string, log: (l: string) => void): Promise<{ url: string; done: Promise<void> }> {
  const port = await freePort();
  const done = serverCommand(config, {
    db: join(dir, 'net.sqlite'),
    port,
    host: '127.0.0.1',
    tokens: TOKENS,
    minClients: 2,
    chunkMb: 0.25,
    log,
  });
  return { url: `ws://127.0.0.1:${port}/ws`, done };
}

/**
 * Runs `config` with site 1 steady and site 0 (state file `<dir>/0.state`) stopped at the
 * first event `stop` accepts, then started again as a new process. Returns the rounds each
 * of site 0's processes started and its c_i at the end.
 */
async function restartedRun(
  dir: string,
  stop: (e: ClientEvent) => boolean,
  log: (l: string) => void,
): Promise<{ before: number[]; after: number[]; ci: Weights }> {
  await mkdir(dir, { recursive: true });
  const server = await serve(dir, log);
  const site1 = clientCommand({
    server: server.url,
    token: TOKENS[1] as string,
    data: 'mnist',
    shard: '1/2',
    seed: 3,
    maxSamples: 40,
    identity: join(dir, '1.key.json'),
    state: false,
    log,
  });
  const data = await loadShard({ dataset: 'mnist', shard: 0, of: 2, seed: 3, maxSamples: 40 });
  const site0 = (onEvent: (e: ClientEvent) => void) =>
    createNodeClient({
      url: server.url,
      name: 'shard-0-of-2',
      token: TOKENS[0] as string,
      data,
      identityFile: join(dir, '0.key.json'),
      stateFile: join(dir, '0.state'),
      onEvent,
    });
  const before: number[] = [];
  const first = await site0((e) => {
    if (e.type === 'task') before.push(e.round);
    if (stop(e)) first.stop();
  });
  first.start();
  assert.equal(await first.finished, 'stopped');
  const after: number[] = [];
  const second = await site0((e) => {
    if (e.type === 'task') after.push(e.round);
  });
  second.start();
  await server.done;
  await Promise.all([second.finished, site1]);
  const ci = FileClientState.open(join(dir, '0.state')).get(SCAFFOLD_STATE_KEY);
  assert.ok(ci);
  return { before, after, ci };
}

function bits(w: Weights): Uint8Array {
  return new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
}

test('a `federa client` restarted mid-run (SCAFFOLD), even after training before its reply left, ends with the c_i of one that never stopped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-cli-state-'));
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  try {
    // 1. Uninterrupted: site 0 keeps its state beside its key (the default), site 1 in memory.
    const a = await serve(join(dir, 'a'), log);
    const steady = [0, 1].map((k) =>
      clientCommand({
        server: a.url,
        token: TOKENS[k] as string,
        data: 'mnist',
        shard: `${k}/2`,
        seed: 3,
        maxSamples: 40,
        identity: join(dir, `k${k}.key.json`),
        ...(k === 1 ? { state: false as const } : {}),
        log,
      }),
    );
    await a.done;
    await Promise.all(steady);
    const path = join(dir, 'k0.state');
    assert.ok(lines.some((l) => l.includes(`state ${path}`)));
    assert.ok(lines.some((l) => l.includes('state in memory')));
    assert.equal(existsSync(join(dir, 'k1.state')), false, '--no-state writes no file');
    const state = FileClientState.open(path);
    assert.deepEqual(state.keys(), [SCAFFOLD_STATE_KEY]);
    const want = state.get(SCAFFOLD_STATE_KEY);
    assert.ok(want);
    assert.deepEqual(
      want.specs.map((s) => s.shape),
      [[784, 200], [200], [200, 200], [200], [200, 10], [10]],
      "c_i has mlp2nn's layout",
    );
    assert.ok(want.norm() > 0 && Number.isFinite(want.norm()));

    // 2. The same run, but site 0's process dies when round 2's task arrives, and a new one
    //    (same key, same state file) takes the task over when the server sends it again.
    const restart = await restartedRun(join(dir, 'b'), (e) => e.type === 'task' && e.round === 2, log);
    assert.deepEqual(restart.before, [1, 2]);
    assert.deepEqual(restart.after, [2], 'the restarted process trained round 2 only');
    assert.deepEqual(bits(restart.ci), bits(want));

    // 3. It dies after training round 1, before the server got the reply: its changes were
    //    held until an ack, so the task sent again trains from the state it first started from.
    const crash = await restartedRun(join(dir, 'c'), (e) => e.type === 'replied' && e.round === 1, log);
    assert.deepEqual(crash.before, [1]);
    assert.deepEqual(crash.after, [1, 2], 'round 1 is trained again, once');
    assert.deepEqual(bits(crash.ci), bits(want));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
