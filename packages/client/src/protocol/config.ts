import { create } from '@bufbuild/protobuf';
import { type Config, FederaError, type Metrics } from '@federa/core';
import { type Scalar, ScalarSchema } from '../gen/federa_pb.js';

/** A task config as protobuf Scalars. Infinity (e.g. batchSize: full) travels as a double. */
export function configToWire(c: Config): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(c)) {
    const value =
      typeof v === 'number'
        ? { case: 'number' as const, value: v }
        : typeof v === 'string'
          ? { case: 'text' as const, value: v }
          : { case: 'flag' as const, value: v };
    out[k] = create(ScalarSchema, { value });
  }
  return out;
}

/** The Config a Task carries; throws E_FRAME for a Scalar with no value. */
export function configFromWire(m: Record<string, Scalar>): Config {
  const out: Config = {};
  for (const [k, s] of Object.entries(m)) {
    if (s.value.case === undefined) throw new FederaError('E_FRAME', `task config '${k}' has no value`);
    out[k] = s.value.value;
  }
  return out;
}

/** Metrics from the wire; throws E_NONFINITE naming a NaN or infinite value. */
export function checkMetrics(m: Record<string, number>): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(m)) {
    if (!Number.isFinite(v)) {
      throw new FederaError('E_NONFINITE', `metric '${k}' is ${v}`, 'report finite metrics (or leave the metric out)');
    }
    out[k] = v;
  }
  return out;
}
