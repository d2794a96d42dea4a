export * from './attacks/index.js';
export { withEdges } from './edges.js';
export { buildFederation, type Federation, keepLabels, type SimClient } from './experiment/federation.js';
export { architectureOf, architectures, PartClient } from './experiment/part-client.js';
export { createClientFactory, createExperimentModel } from './experiment/runtime.js';
export type { ExperimentSpec, TransferSpec } from './experiment/spec.js';
export { PoolGrid, type PoolGridOptions } from './pool-grid.js';
export type { ClientFactory, RuntimeModule, StateBytes, WorkerReply, WorkerTask } from './protocol.js';
export { type StragglerOptions, withStragglers } from './stragglers.js';

/** URL of the runtime module that builds TF.js clients from an ExperimentSpec (pass it to PoolGrid). */
export const TFJS_RUNTIME = new URL('./experiment/runtime.ts', import.meta.url).href;
export { type ComputeBudgetOptions, deviceSpeed, withComputeBudget } from './compute-budget.js';
