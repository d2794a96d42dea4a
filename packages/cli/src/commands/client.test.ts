import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCAFFOLD_STATE_KEY } from '@federa/core';
// Until @federa/client's index exports FileClientState (then: import it from '@federa/client').
import { FileClientState } from '../../../client/src/node-client-state.js';
import { parseConfig } from '../config/index.js';
import { clientCommand, defaultStateFile } from './client.js';
import { serverCommand } from './server.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('the default state file sits beside the key file', () => {
  assert.equal(defaultStateFile('.federa-shard-0-of-4.key.json'), '.federa-shard-0-of-4.state');
  assert.equal(defaultStateFile('/etc/federa/site-1.json'), '/etc/federa/site-1.state');
  assert.equal(defaultStateFile('keys/site.pem'), 'keys/site.pem.state');
});

test('`federa client` keeps its SCAFFOLD control variate in its state file (default beside the key); --no-state keeps none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-cli-state-'));
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
  const port = await freePort();
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  try {
    const server = serverCommand(config, {
      db: join(dir, 'net.sqlite'),
      port,
      host: '127.0.0.1',
      tokens: ['tok-site-0000', 'tok-site-1111'],
      minClients: 2,
      chunkMb: 0.25,
      log,
    });
    const url = `ws://127.0.0.1:${port}/ws`;
    const clients = [0, 1].map((k) =>
      clientCommand({
        server: url,
        token: k === 0 ? 'tok-site-0000' : 'tok-site-1111',
        data: 'mnist',
        shard: `${k}/2`,
        seed: 3,
        maxSamples: 40,
        identity: join(dir, `k${k}.key.json`),
        ...(k === 1 ? { state: false as const } : {}),
        log,
      }),
    );
    await server;
    await Promise.all(clients);
    const path = join(dir, 'k0.state');
    assert.ok(lines.some((l) => l.includes(`state ${path}`)));
    assert.ok(lines.some((l) => l.includes('state in memory')));
    assert.equal(existsSync(join(dir, 'k1.state')), false, '--no-state writes no file');
    const state = FileClientState.open(path);
    assert.deepEqual(state.keys(), [SCAFFOLD_STATE_KEY]);
    const ci = state.get(SCAFFOLD_STATE_KEY);
    assert.ok(ci);
    assert.deepEqual(
      ci.specs.map((s) => s.shape),
      [[784, 200], [200], [200, 200], [200], [200, 10], [10]],
      "c_i has mlp2nn's layout",
    );
    assert.ok(ci.norm() > 0 && Number.isFinite(ci.norm()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
