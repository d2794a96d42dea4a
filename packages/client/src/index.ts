// @federa/client for Node: the isomorphic runtime (browser.ts) plus the Node socket factory and data loading.
export * from './browser.js';
export { createNodeClient, loadOrCreateIdentity, type NodeClientOptions } from './node-client.js';
export { eventRunId, FileClientState, runBinder } from './node-client-state.js';
export { loadShard, parseShard, type ShardSpec } from './node-data.js';
export { nodeSecAggCrypto } from './node-secagg-crypto.js';
export { nodeSocketFactory } from './node-socket.js';
