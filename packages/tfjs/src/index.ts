export * from './adapter/index.js';
export * from './backend/index.js';
export { TfjsClient } from './client.js';
export * from './distill/index.js';
export * from './dp-sgd/index.js';
export * from './transfer/index.js';
export * from './zoo/index.js';
