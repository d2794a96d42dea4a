export { type DpSgdSchedule, dpSgdEpsilon, dpSgdNoiseMultiplier, dpSgdSteps } from './accounting.js';
export { DP_SGD_KEYS, dpSgdFromConfig, dpSgdMetrics } from './config.js';
export { clippedSumDense, type DensePlan, densePlan } from './dense-fast.js';
export { checkDpSgdOptions, type DpSgdOptions, dpSgdSource } from './options.js';
export { type ClippedSum, clipFactors, clippedSumGeneric } from './per-example.js';
export { type DpSgdStrategyOptions, withDpSgd } from './strategy.js';
export { type DpSgdReport, poissonLot, trainDpSgd } from './train-dp.js';
