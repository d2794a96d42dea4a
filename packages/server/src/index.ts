export { makeAsyncCheckpoint, restoreAsyncCheckpoint } from './async-checkpoint.js';
export {
  checkEnrolment,
  type EnrolmentDecision,
  type EnrolmentOptions,
  TokenBucket,
  tokenHash,
  validateEnrolment,
} from './auth.js';
export { makeCheckpoint, restoreCheckpoint } from './checkpoint.js';
// The dashboard, /metrics and browser-client assets (packages/server/src/http).
export * from './http/index.js';
export { Hub, type HubEvent, type HubOptions } from './hub.js';
export { NetworkGrid } from './network-grid.js';
export { type ObserveOptions, RunObserver } from './observe.js';
export { handlePredict, MAX_PREDICT_SAMPLES, type Predictor, parsePredictBody, TfjsPredictor } from './predict.js';
export { NetworkSecAggChannel } from './secagg-channel.js';
export { FederaServer, type FederaServerOptions, type ServerRunResult, type TrainingPlan } from './server.js';
export { MemoryStore } from './store/memory-store.js';
export { POSTGRES_SCHEMA_VERSION, PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { SqliteStore } from './store/sqlite-store.js';
export type { AuditRow, Checkpoint, ClientRow as EnrolledClientRow, RunRow, Store } from './store/store.js';
export type { AsyncServerRunResult, AsyncTrainingPlan } from './train-async.js';
