import { createHash, randomBytes } from 'node:crypto';
import { FederaError } from '@federa/core';
import type { Store } from './store/store.js';

/**
 * The id of the store's unfinished run named `run.name`, or of a new run created for it.
 * Throws E_CONFIG when the unfinished run has a different config (SHA-256 of its JSON):
 * a server never mixes two runs under one name.
 */
export async function openRun(
  store: Store,
  run: { readonly name: string; readonly config: unknown; readonly seed: number; readonly rounds: number },
): Promise<string> {
  const configJson = JSON.stringify(run.config ?? null);
  const configHash = createHash('sha256').update(configJson).digest('hex');
  const found = await store.findRun(run.name);
  if (found && found.configHash !== configHash) {
    throw new FederaError(
      'E_CONFIG',
      `the store holds an unfinished run '${run.name}' with a different config`,
      'resume with the same config, or use another run name or database',
    );
  }
  if (found) return found.id;
  const id = `${run.name}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await store.createRun({
    id,
    name: run.name,
    configHash,
    configJson,
    seed: run.seed,
    rounds: run.rounds,
    createdAt: new Date().toISOString(),
  });
  return id;
}
