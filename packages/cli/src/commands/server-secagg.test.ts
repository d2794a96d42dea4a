import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '@federa/server';
import { parseConfig } from '../config/index.js';
import { serverCommand } from './server.js';
import { serveWithClients } from './testing.js';

/** `federa server` plus three `federa client`s on MNIST shards; the stored rounds and the log. */
async function serve(secure: 'off' | 'secaggPlus') {
  const dir = await mkdtemp(join(tmpdir(), 'federa-cli-secagg-'));
  const config = parseConfig(
    {
      name: `cli-${secure}`,
      seed: 4,
      rounds: 2,
      data: { dataset: 'mnist', partition: 'iid', clients: 3, testSubset: 200 },
      model: 'mlp2nn',
      strategy: { name: 'fedavg', fraction: 1 },
      client: { epochs: 1, batchSize: 20, lr: 0.1 },
      secure: { aggregation: secure, clip: 1 },
    },
    'test',
  );
  try {
    const { lines, db, runId } = await serveWithClients(config, {
      dir,
      tokens: ['tok-a-000000', 'tok-b-111111', 'tok-c-222222'],
    });
    const store = SqliteStore.open(db);
    const rounds = await store.rounds(runId);
    await store.close();
    return { rounds, lines };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('`federa server` with secure.aggregation secaggPlus: clients mask their updates, and the run matches plain FedAvg', async () => {
  const plain = await serve('off');
  const { rounds, lines } = await serve('secaggPlus');
  assert.ok(
    lines.some((l) => /fedavg with secaggPlus, 2 rounds/.test(l)),
    lines.join('\n'),
  );
  assert.equal(rounds.length, 2);
  for (const [i, r] of rounds.entries()) {
    assert.equal(r.succeeded, 3, JSON.stringify(r.clients));
    assert.equal(r.metrics.train_secagg_survivors, 3);
    // The training replies carried no update: only masked inputs (one ring word per parameter) left the clients.
    assert.equal(r.bytesUp, 0);
    assert.ok((r.metrics.train_secagg_bytes_up ?? 0) > 3 * 4 * 199_210);
    // The same model as plain FedAvg, up to the quantization step.
    const p = plain.rounds[i]!;
    assert.ok(p.bytesUp > 3 * 4 * 199_210);
    assert.ok(Math.abs(r.accuracy - p.accuracy) <= 0.01, `accuracy ${r.accuracy} vs plain ${p.accuracy}`);
    assert.ok(Math.abs(r.loss - p.loss) <= 1e-3, `loss ${r.loss} vs plain ${p.loss}`);
  }
  assert.ok(rounds[1]!.loss < rounds[0]!.loss, 'it learns');
});

test('`federa server` refuses HE and simulated SecAgg dropouts over the network, naming the fix', async () => {
  const base = {
    name: 'refuse',
    data: { dataset: 'mnist', clients: 3 },
    model: 'mlp2nn',
  };
  const opts = { db: ':memory:', port: 0, host: '127.0.0.1', tokens: ['tok-a-000000'], minClients: 1, chunkMb: 1 };
  await assert.rejects(
    serverCommand(parseConfig({ ...base, secure: { aggregation: 'paillier' } }, 'test'), opts),
    /paillier' is not available over the network yet.*|secaggPlus/,
  );
  await assert.rejects(
    serverCommand(parseConfig({ ...base, secure: { aggregation: 'secagg', dropout: 0.2 } }, 'test'), opts),
    /secure.dropout simulates/,
  );
});
