import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  equalBytes,
  exportIdentity,
  generateIdentity,
  helloSigningBytes,
  importIdentity,
  importPublicKey,
  sign,
  verify,
} from './signing.js';

test('Ed25519 identities sign, verify, survive export/import, and a changed byte or key fails', async () => {
  const id = await generateIdentity();
  assert.equal(id.publicRaw.byteLength, 32);
  const msg = helloSigningBytes(new Uint8Array(32).fill(7), 'site-1', id.publicRaw);
  const sig = await sign(id, msg);
  const pub = await importPublicKey(id.publicRaw);
  assert.equal(await verify(pub, sig, msg), true);
  const tampered = msg.slice();
  tampered[5] = (tampered[5] as number) ^ 1;
  assert.equal(await verify(pub, sig, tampered), false);
  const other = await generateIdentity();
  assert.equal(await verify(await importPublicKey(other.publicRaw), sig, msg), false);
  const back = await importIdentity(await exportIdentity(id));
  assert.ok(equalBytes(back.publicRaw, id.publicRaw));
  assert.equal(await verify(pub, await sign(back, msg), msg), true);
  await assert.rejects(importPublicKey(new Uint8Array(31)), /32 bytes/);
  assert.notDeepEqual(
    helloSigningBytes(new Uint8Array(32), 'ab', id.publicRaw),
    helloSigningBytes(new Uint8Array(32), 'a', Uint8Array.of(98, ...id.publicRaw)),
    'fields are length-prefixed',
  );
});
