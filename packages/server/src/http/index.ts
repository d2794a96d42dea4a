export { type DashboardHandler, type DashboardOptions, dashboardHandler } from './dashboard-handler.js';
export { type MemoryDashboardOptions, MemoryDashboardSource } from './memory-source.js';
export { dashboardMetrics, type MetricsOptions, metricsHandler } from './metrics-handler.js';
export {
  escapeHelp,
  escapeLabelValue,
  formatPrometheus,
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
  type PromFamily,
  type PromSample,
} from './prometheus.js';
export { feedRound, type SimulatedRoundOptions, simulatedRound } from './simulated-run.js';
export { type AssetSource, BROWSER_CLIENT_FILES, browserClientAssets, contentType } from './static-assets.js';
export type {
  DashboardClientRow,
  DashboardEvent,
  DashboardRoundRow,
  DashboardSource,
  DashboardStatus,
  DashboardTotals,
  ExcludedClient,
  RunState,
} from './types.js';
