import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite-store.js';
import { storeContract } from './store-contract.js';

// The Store contract against the default store, a SQLite file in a temporary folder
// (postgres-store.test.ts holds PostgresStore to the same cases).
storeContract('SqliteStore (Store contract)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'federa-store-'));
  return {
    open: async () => SqliteStore.open(join(dir, 'store.sqlite')),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
