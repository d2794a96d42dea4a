export type { AsyncRecord } from './async-record.js';
export type { AsyncStep, AsyncStrategy, AsyncStrategyState } from './async-strategy.js';
export { DelayedGrid, type DelayedGridOptions } from './delayed-grid.js';
export { FedAsync, type FedAsyncOptions } from './fedasync.js';
export { FedBuff, type FedBuffOptions } from './fedbuff.js';
export type { AsyncLocalTraining } from './local-config.js';
export { type Arrival, type AsyncRunOptions, type AsyncRunResult, runAsynchronous } from './run-asynchronous.js';
export { type Staleness, stalenessWeight, validateStaleness } from './staleness.js';
