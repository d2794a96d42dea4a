export {
  type DistillOptions,
  type DistillResult,
  type DistillSettings,
  distill,
  distillToLogits,
  ensembleLogits,
  type TeacherGroup,
} from './distill.js';
export { type Distiller, FedDF, type FedDFOptions, type ReceivedModel } from './feddf.js';
export { FedDFHetero, type FedDFHeteroOptions, type PrototypeFuser, type PrototypeRound } from './feddf-hetero.js';
export {
  type DistillPrototypesOptions,
  distillPrototypes,
  type Prototype,
  type PrototypeResult,
  type TfjsDistillerOptions,
  tfjsDistiller,
} from './prototypes.js';
