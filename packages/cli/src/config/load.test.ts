import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FederaError } from '@federa/core';
import { applyOverrides, ConfigError, configJsonSchema, loadConfig, parseConfig } from './index.js';

/** The problem lines of a ConfigError thrown by `fn`. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'E_CONFIG');
    return e.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  test('fills every default', () => {
    const c = parseConfig({}, 'examples/mnist-fedavg.yaml');
    assert.deepEqual(c, {
      name: 'mnist-fedavg',
      seed: 1,
      rounds: 100,
      data: {
        dataset: 'mnist',
        partition: 'iid',
        clients: 100,
        shardsPerClient: 2,
        shardSize: 300,
        alpha: 0.5,
        synthetic: { alpha: 1, beta: 1 },
        maxClientSamples: 0,
        stride: 1,
        maxClients: 0,
        serverSamples: 0,
        testSubset: 0,
        labels: null,
      },
      model: 'mlp2nn',
      models: null,
      transfer: { from: null, freeze: null, reinitHead: false },
      strategy: {
        name: 'fedavg',
        fraction: 0.1,
        minClients: 1,
        serverLr: null,
        mu: 0.01,
        dropStragglers: false,
        momentum: 0.9,
        beta1: 0.9,
        beta2: 0.99,
        tau: 0.001,
        q: 1,
        lambda: 0.1,
        personalLayers: '^out/',
        headEpochs: 5,
        bufferSize: 10,
        alpha: 0.6,
        staleness: 'polynomial',
        stalenessA: 0.5,
        stalenessB: 4,
      },
      client: { epochs: 1, batchSize: 10, lr: 0.1, compress: null },
      distill: { steps: 100, batchSize: 64, lr: 0.001, temperature: 1 },
      evaluate: { every: 1, fraction: 0, on: 'test', clients: true },
      async: { concurrency: 10, order: 'start', maxStaleness: null },
      stop: { accuracy: null },
      sim: { workers: 0, edges: 0, deadlineMs: null, stragglers: 0, computeSteps: null, computeSpread: 1 },
      privacy: {
        sampleClipNorm: null,
        sampleNoiseMultiplier: 1.1,
        clipNorm: null,
        noiseMultiplier: 1,
        delta: 1e-5,
        targetQuantile: null,
        clipLr: 0.2,
        budget: null,
        seeded: false,
      },
      secure: { aggregation: 'off', clip: 1, bits: 32, threshold: null, dropout: 0, keyBits: 2048 },
      robust: { rule: 'none', f: 1, trim: 0.1, maxNorm: 1, tau: 1, detector: 'off' },
      attack: { kind: 'none', fraction: 0, scale: null, noiseStd: 1, target: 0, poisonFraction: 0.5, z: null },
      output: { dir: 'runs/mnist-fedavg' },
    });
  });

  test('keeps given values; name and output.dir from the file win over derived ones', () => {
    const c = parseConfig(
      { name: 'x1', output: { dir: '/tmp/out' }, client: { batchSize: 'full' }, stop: { accuracy: 0.97 } },
      'a.yaml',
    );
    assert.equal(c.name, 'x1');
    assert.equal(c.output.dir, '/tmp/out');
    assert.equal(c.client.batchSize, 'full');
    assert.equal(c.stop.accuracy, 0.97);
    assert.equal(parseConfig({ client: { batchSize: 0 } }, 'a.yaml').client.batchSize, 'full');
    assert.equal(parseConfig(null, 'empty.yaml').rounds, 100);
    assert.equal(parseConfig({}, '--').name, 'run');
  });

  test('FedSGD resolves to E = 1, B = full', () => {
    const c = parseConfig({ strategy: { name: 'fedsgd' } }, 'a.yaml');
    assert.equal(c.client.epochs, 1);
    assert.equal(c.client.batchSize, 'full');
    assert.deepEqual(
      problemsOf(() => parseConfig({ strategy: { name: 'fedsgd' }, client: { epochs: 5, batchSize: 10 } }, 'a.yaml')),
      [
        'a.yaml: client.epochs: FedSGD takes one full-batch gradient step per round, got epochs 5 — remove client.epochs, or use strategy.name: fedavg for local epochs',
        "a.yaml: client.batchSize: FedSGD computes each client's gradient on its whole local set, got batchSize 10 — remove client.batchSize, or use strategy.name: fedavg for minibatches",
      ],
    );
  });

  test('unknown keys are errors with a did-you-mean', () => {
    assert.deepEqual(
      problemsOf(() => parseConfig({ data: { partiton: 'iid' }, lr: 0.1, zzzzzzzz: 1 }, 'runs.yaml')),
      [
        'runs.yaml: data.partiton: unknown key — did you mean "data.partition"?',
        'runs.yaml: lr: unknown key — did you mean "client.lr"?',
        'runs.yaml: zzzzzzzz: unknown key — remove it; the keys here are name, seed, rounds, data, model, models, transfer, strategy, client, distill, evaluate, async, stop, sim, privacy, secure, robust, attack, output',
      ],
    );
  });

  test('wrong type, out of range and bad enum: one line each, all at once', () => {
    const lines = problemsOf(() =>
      parseConfig(
        { rounds: 'many', client: { batchSize: -3 }, strategy: { fraction: 1.5 }, data: { partition: 'shard' } },
        'runs.yaml',
      ),
    );
    assert.deepEqual(lines.sort(), [
      'runs.yaml: client.batchSize: expected a positive integer or "full", got -3 — set it to e.g. 10',
      'runs.yaml: data.partition: expected one of iid | shards | dirichlet | natural, got "shard" — did you mean shards?',
      'runs.yaml: rounds: expected a positive integer, got "many" — set it to e.g. 100',
      'runs.yaml: strategy.fraction: expected a number in (0, 1], got 1.5 — set it to e.g. 0.1',
    ]);
    assert.deepEqual(
      problemsOf(() => parseConfig({ stop: { accuracy: 97 } }, 'r.yaml')),
      ['r.yaml: stop.accuracy: expected a number in (0, 1] or null, got 97 — write a fraction, not a percentage: 0.97'],
    );
  });

  test('a section that is not a mapping', () => {
    assert.deepEqual(
      problemsOf(() => parseConfig({ client: 5 }, 'c.yaml')),
      [
        'c.yaml: client: expected a section (a mapping of keys), got 5 — write its keys under it (epochs, batchSize, lr, compress) or remove it to use the defaults',
      ],
    );
    assert.match(problemsOf(() => parseConfig([1, 2], 'c.yaml'))[0], /^c\.yaml: \(top level\): a config is a mapping/);
  });

  test('incompatible model and dataset, and partition per dataset', () => {
    assert.deepEqual(
      problemsOf(() => parseConfig({ model: 'charLstm' }, 'c.yaml')),
      ['c.yaml: model: charLstm is built for shakespeare, not mnist — use model: mlp2nn or cnnMnist for mnist'],
    );
    assert.deepEqual(
      problemsOf(() =>
        parseConfig({ data: { dataset: 'shakespeare', partition: 'iid' }, model: 'cnnMnist' }, 'c.yaml'),
      ),
      [
        'c.yaml: model: cnnMnist is built for mnist or fashion-mnist, not shakespeare — use model: charLstm for shakespeare',
        'c.yaml: data.partition: shakespeare comes split into its own clients, so only "natural" applies, got "iid" — set data.partition: natural',
      ],
    );
    assert.match(
      problemsOf(() => parseConfig({ data: { dataset: 'synthetic', partition: 'natural' } }, 'c.yaml'))[0],
      /model: mlp2nn is built for mnist or fashion-mnist, not synthetic — use model: logreg for synthetic/,
    );
    const ok = parseConfig({ data: { dataset: 'shakespeare', partition: 'natural' }, model: 'charLstm' }, 'c.yaml');
    assert.equal(ok.model, 'charLstm');
  });

  test('checks what is knowable: shard budget, test subset, minClients', () => {
    assert.deepEqual(
      problemsOf(() =>
        parseConfig(
          {
            data: { partition: 'shards', clients: 100, shardsPerClient: 4, shardSize: 300, testSubset: 20000 },
            strategy: { minClients: 200 },
          },
          'c.yaml',
        ),
      ),
      [
        'c.yaml: data.clients: 100 clients × 4 shards × 300 examples needs 120000 examples, mnist has 60000 — lower data.clients, data.shardsPerClient or data.shardSize',
        'c.yaml: data.testSubset: mnist has 10000 test examples, asked for 20000 — use at most 10000, or 0 for the whole test set',
        'c.yaml: strategy.minClients: 200 is more than the 100 clients of the run — lower it to at most 100 or raise data.clients',
      ],
    );
    // 100 × 2 × 300 = 60000 fits exactly.
    assert.equal(parseConfig({ data: { partition: 'shards' } }, 'c.yaml').data.shardSize, 300);
  });

  test('a field that is wrong is not reported again by the checks that read it', () => {
    const lines = problemsOf(() =>
      parseConfig({ data: { partition: 'shards', clients: -1 }, model: 'nope' }, 'c.yaml'),
    );
    assert.equal(lines.length, 2);
    assert.match(lines.join('\n'), /data\.clients: expected a positive integer, got -1/);
    assert.match(lines.join('\n'), /model: expected one of mlp2nn \| cnnMnist \| charLstm \| logreg, got "nope"/);
  });

  test('rejects a name that cannot be a folder', () => {
    assert.match(
      problemsOf(() => parseConfig({ name: '../etc' }, 'c.yaml'))[0],
      /^c\.yaml: name: expected a name of letters/,
    );
  });
});

describe('applyOverrides', () => {
  test('sets nested values parsed as YAML, without touching the input', () => {
    const raw = { client: { lr: 0.1 }, data: { dataset: 'mnist' } };
    const out = applyOverrides(raw, [
      'client.lr=0.05',
      'client.batchSize=full',
      'stop.accuracy=0.97',
      'output.dir=null',
      'data.synthetic={alpha: 0.5, beta: 0.5}',
      'name=exp-1',
    ]);
    assert.deepEqual(out, {
      client: { lr: 0.05, batchSize: 'full' },
      data: { dataset: 'mnist', synthetic: { alpha: 0.5, beta: 0.5 } },
      stop: { accuracy: 0.97 },
      output: { dir: null },
      name: 'exp-1',
    });
    assert.equal(raw.client.lr, 0.1);
  });

  test('unknown paths and malformed flags, all reported', () => {
    assert.deepEqual(
      problemsOf(() => applyOverrides({}, ['client.lrr=0.05', 'client.lr.x=1', 'rounds'])),
      [
        '--set: client.lrr: unknown key — did you mean "client.lr"?',
        '--set: client.lr.x: client.lr is a value, not a section — set client.lr itself',
        '--set: rounds: expected path=value — write it as e.g. --set client.lr=0.05',
      ],
    );
    assert.deepEqual(
      problemsOf(() => applyOverrides({}, ['epochs=3'])),
      ['--set: epochs: unknown key — did you mean "client.epochs"?'],
    );
  });
});

describe('loadConfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'federa-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads YAML, and flags override file fields before validation', async () => {
    const file = join(dir, 'exp.yaml');
    await writeFile(file, 'rounds: 20\nclient:\n  batchSize: full\n  lr: 0.2\ndata:\n  partition: shards\n');
    const c = await loadConfig(file);
    assert.equal(c.name, 'exp');
    assert.equal(c.rounds, 20);
    assert.equal(c.client.batchSize, 'full');
    assert.equal(c.data.partition, 'shards');
    const o = await loadConfig(file, ['client.lr=0.05', 'rounds=3']);
    assert.equal(o.client.lr, 0.05);
    assert.equal(o.rounds, 3);
  });

  test('reads JSON', async () => {
    const file = join(dir, 'j.json');
    await writeFile(file, JSON.stringify({ model: 'cnnMnist', strategy: { fraction: 0.2 } }));
    const c = await loadConfig(file);
    assert.equal(c.model, 'cnnMnist');
    assert.equal(c.strategy.fraction, 0.2);
  });

  test('problems name the file, or --set for values from flags', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'rounds: 0\n');
    await assert.rejects(loadConfig(file, ['client.lr=-1']), (e: ConfigError) => {
      assert.deepEqual(e.problems.map((p) => `${p.source} ${p.path}`).sort(), ['--set client.lr', `${file} rounds`]);
      return true;
    });
  });

  test('syntax errors carry the line; missing files and odd extensions are clear', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'rounds: 10\nclient:\n  lr: [0.1\n');
    await assert.rejects(loadConfig(file), (e: FederaError) => {
      assert.equal(e.code, 'E_CONFIG');
      assert.match(e.message, /syntax\.yaml:\d+:\d+: YAML syntax error/);
      return true;
    });
    const dup = join(dir, 'dup.yaml');
    await writeFile(dup, 'rounds: 10\nrounds: 20\n');
    await assert.rejects(loadConfig(dup), /dup\.yaml:2:1: YAML syntax error/);
    const badJson = join(dir, 'b.json');
    await writeFile(badJson, '{"rounds": 1,}');
    await assert.rejects(loadConfig(badJson), /b\.json: JSON syntax error/);
    await assert.rejects(loadConfig(join(dir, 'nope.yaml')), /config file not found: .*nope\.yaml/);
    const list = join(dir, 'list.yaml');
    await writeFile(list, '- 1\n- 2\n');
    await assert.rejects(loadConfig(list, ['rounds=3']), /list\.yaml: \(top level\): a config is a mapping/);
    await assert.rejects(loadConfig(join(dir, 'x.toml')), /unknown config format "\.toml".*use a \.yaml/);
  });
});

test('configJsonSchema describes the file for editors', () => {
  const s = configJsonSchema() as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
    additionalProperties: boolean;
  };
  assert.equal(s.additionalProperties, false);
  assert.ok(s.properties.client.properties?.batchSize);
  assert.match(JSON.stringify(s.properties.strategy), /fraction of clients sampled per round/);
});
