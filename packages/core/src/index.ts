export * from './aggregate/index.js';
export * from './async/index.js';
export * from './audit/index.js';
export { type ClientState, MemoryClientState } from './client-state.js';
export * from './codec/index.js';
export { featureSize, type LabeledData, labelCounts, sampleCount, subset } from './data.js';
export { check, type ErrorInfo, errorInfo, FederaError } from './errors.js';
export { clientMetricSpread, type MetricSpread } from './fairness.js';
export type { Grid, SendOptions } from './grid.js';
export * from './he/index.js';
export * from './hierarchy/index.js';
export { History, type RoundRecord } from './history.js';
export { LocalGrid } from './local-grid.js';
export { type GlobalEvaluator, type RunOptions, type RunResult, runFederated } from './loop.js';
export type {
  Client,
  ClientInfo,
  Config,
  EvaluateIns,
  EvaluateRes,
  Metrics,
  Outcome,
  TrainIns,
  TrainRes,
} from './messages.js';
export * from './privacy/index.js';
export { hashString, Rng } from './rng.js';
export * from './robust/index.js';
export { type SamplingOptions, sampleClients, sampleSize, validateSampling } from './sampling.js';
export * from './secagg/index.js';
export { DITTO_STATE_KEY, Ditto, type DittoOptions } from './strategy/ditto.js';
export { aggregateEvaluation, sampleEvaluation } from './strategy/evaluation.js';
export { FedAvg, type FedAvgOptions, type LocalTraining, validateLocal } from './strategy/fedavg.js';
export { FedAvgM, type FedAvgMOptions } from './strategy/fedavgm.js';
export { FedNova, type FedNovaOptions, fednovaNorm, type LocalSolver } from './strategy/fednova.js';
export {
  FedAdagrad,
  type FedAdagradOptions,
  FedAdam,
  type FedAdamOptions,
  FedOpt,
  FedYogi,
  type FedYogiOptions,
} from './strategy/fedopt.js';
export {
  compilePattern,
  FEDPER_STATE_KEY,
  FedPer,
  type FedPerOptions,
  FedRep,
  type FedRepOptions,
  pickTensors,
  withPersonal,
} from './strategy/fedper.js';
export { FedProx, type FedProxOptions } from './strategy/fedprox.js';
export { FedSGD, type FedSGDOptions } from './strategy/fedsgd.js';
export {
  type LocalSgd,
  type LocalSgdOptions,
  type LocalSgdResult,
  personalModel,
  sgdOptions,
  trainLocal,
} from './strategy/local-algorithms.js';
export { type MappedReply, mapReplies, scaleReply } from './strategy/map-replies.js';
export { QFedAvg, type QFedAvgOptions } from './strategy/qfedavg.js';
export {
  CONTROL_PREFIX,
  SCAFFOLD_STATE_KEY,
  Scaffold,
  type ScaffoldOptions,
  scaffoldClientUpdate,
  splitControl,
  withControl,
} from './strategy/scaffold.js';
export { isStateful, type StatefulStrategy } from './strategy/stateful.js';
export { dropStragglers, stepsAsked } from './strategy/stragglers.js';
export {
  replyProblem,
  stepWithMean,
  validateUpdate,
  type WeightedUpdates,
  weightedUpdates,
} from './strategy/weighted-updates.js';
export type { ClientRecord, EvaluateAggregate, Strategy, TrainAggregate } from './strategy.js';
export { blobs, evaluateSoftmax, SoftmaxClient } from './testing/softmax-client.js';
export { axpyInto, type NamedTensor, specSize, type TensorSpec, Weights } from './weights.js';
export { joinParts, partOf, partPrefixes, placePart, type WeightsPart } from './weights-parts.js';
