import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FederaClient, nodeSocketFactory } from '@federa/client';
import { SoftmaxClient } from '@federa/core';
import { softmaxInitial, softmaxShards, softmaxStrategy, startServer, TOKENS } from './testing/fixtures.js';

const openssl = spawnSync('openssl', ['version']).status === 0;

test('wss:// with a self-signed certificate: a client trusting it trains, one that does not cannot connect', {
  skip: openssl ? false : 'openssl is not installed (needed to make a test certificate)',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-tls-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  assert.equal(made.status, 0, made.stderr.toString());
  const pem = await readFile(cert);
  const server = await startServer({ tls: { cert: pem, key: await readFile(key) } });
  try {
    assert.match(server.url, /^wss:\/\//);
    const events: string[] = [];
    const untrusted = new FederaClient({
      url: server.url,
      name: 'site-1',
      token: TOKENS[1] as string,
      client: new SoftmaxClient(softmaxShards(1)[0] as never),
      socket: nodeSocketFactory(),
      backoff: { initialMs: 20, maxMs: 50 },
      onEvent: (e) => events.push(e.type),
    });
    untrusted.start();
    const trusted = new FederaClient({
      url: server.url,
      name: 'site-0',
      token: TOKENS[0] as string,
      client: new SoftmaxClient(softmaxShards(1)[0] as never, 'site-0'),
      socket: nodeSocketFactory({ ca: pem }),
    });
    trusted.start();
    const r = await server.train({
      name: 'tls',
      config: {},
      seed: 1,
      rounds: 1,
      strategy: softmaxStrategy(),
      initial: softmaxInitial(),
      minClients: 1,
    });
    assert.equal(r.rounds[0]?.succeeded, 1);
    assert.deepEqual(
      r.rounds[0]?.clients.map((c) => c.clientId),
      ['site-0'],
    );
    assert.equal(await trusted.finished, 'run finished: rounds');
    assert.ok(events.includes('disconnected') && !events.includes('connected'), 'the untrusting client never got in');
    untrusted.stop();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
