import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabeledData } from '@federa/core';
import { buildFederation, keepLabels } from './federation.js';
import type { ExperimentSpec } from './spec.js';

test('keepLabels keeps only the listed classes, in data order, with their features', () => {
  const d: LabeledData = {
    x: Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
    y: Int32Array.from([0, 1, 2, 1, 4]),
    sampleShape: [2],
    numClasses: 5,
  };
  const k = keepLabels(d, [1, 4]);
  assert.deepEqual([...k.y], [1, 1, 4]);
  assert.deepEqual([...k.x], [1, 1, 3, 3, 4, 4]);
  assert.equal(k.numClasses, 5);
  assert.equal(keepLabels(d, undefined), d);
  assert.throws(() => keepLabels(d, [7]), /data\.labels: 7 is not a class/);
});

test('buildFederation with labels: every client and the test set hold only those labels', async () => {
  const spec: ExperimentSpec = {
    seed: 1,
    dataset: 'mnist',
    partition: 'iid',
    clients: 4,
    shardsPerClient: 2,
    shardSize: 300,
    alpha: 0.5,
    synthetic: { alpha: 1, beta: 1 },
    maxClientSamples: 50,
    stride: 1,
    maxClients: 0,
    testSubset: 500,
    model: 'mlp2nn',
    labels: [5, 6, 7, 8, 9],
  };
  const fed = await buildFederation(spec);
  const seen = new Set<number>();
  for (const c of fed.clients) for (const i of c.train) seen.add(fed.train.y[i] as number);
  for (const y of fed.test.y) seen.add(y);
  assert.deepEqual([...seen].sort(), [5, 6, 7, 8, 9]);
  assert.equal(fed.test.y.length, 500);
  // MNIST has 29,404 training images of digits 5-9.
  assert.equal(fed.train.y.length, 29404);
  await assert.rejects(buildFederation({ ...spec, dataset: 'synthetic', partition: 'natural' }), /data\.labels/);
});

test('buildFederation with serverSamples: the server holds samples no client has, the same each build', async () => {
  const spec: ExperimentSpec = {
    seed: 3,
    dataset: 'mnist',
    partition: 'shards',
    clients: 10,
    shardsPerClient: 2,
    shardSize: 2950,
    alpha: 0.5,
    synthetic: { alpha: 1, beta: 1 },
    maxClientSamples: 0,
    stride: 1,
    maxClients: 0,
    testSubset: 100,
    model: 'mlp2nn',
    serverSamples: 1000,
  };
  const fed = await buildFederation(spec);
  assert.equal(fed.server?.y.length, 1000);
  const clientIdx = fed.clients.flatMap((c) => [...c.train]);
  assert.equal(new Set(clientIdx).size, clientIdx.length, 'no sample is given twice');
  assert.equal(clientIdx.length, 59000, 'all but the held-out samples are dealt (10 clients × 2 shards × 2950)');
  const again = await buildFederation(spec);
  assert.deepEqual([...(again.server?.y ?? [])], [...(fed.server?.y ?? [])]);
  // Every held-out sample is absent from the clients: the clients' samples are exactly the rest.
  const dealt = new Set(clientIdx);
  const serverLabels = new Map<number, number>();
  for (const y of fed.server?.y ?? []) serverLabels.set(y, (serverLabels.get(y) ?? 0) + 1);
  const missing: number[] = [];
  for (let i = 0; i < fed.train.y.length; i++) if (!dealt.has(i)) missing.push(fed.train.y[i] as number);
  const missingLabels = new Map<number, number>();
  for (const y of missing) missingLabels.set(y, (missingLabels.get(y) ?? 0) + 1);
  assert.deepEqual(missingLabels, serverLabels);
  await assert.rejects(buildFederation({ ...spec, serverSamples: 60000 }), /leaves no training samples/);
  await assert.rejects(
    buildFederation({ ...spec, dataset: 'synthetic', partition: 'natural' }),
    /serverSamples holds out image samples/,
  );
});
