import type { Config } from '../messages.js';
import { type LocalTraining, validateLocal } from '../strategy/fedavg.js';

/** Local training settings for asynchronous clients, as FedAvg's, plus pass-through config. */
export interface AsyncLocalTraining extends LocalTraining {
  /** Extra settings passed through to clients' configs (e.g. `proximalMu`, FedAsync's ρ). */
  readonly extraConfig?: Config;
}

export { validateLocal };

/** The config one starting client gets: mode 'train', E, B (0 = full batch), lr, its seed. */
export function localConfig(o: AsyncLocalTraining, seed: number): Config {
  return {
    ...o.extraConfig,
    mode: 'train',
    epochs: o.epochs,
    batchSize: o.batchSize === Infinity ? 0 : o.batchSize,
    lr: o.lr,
    seed,
  };
}
