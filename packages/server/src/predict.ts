import type { IncomingMessage, ServerResponse } from 'node:http';
import { FederaError, type Weights } from '@federa/core';
import type { TfjsModelAdapter } from '@federa/tfjs';
import * as tf from '@tensorflow/tfjs-core';

/** Answers `POST /api/predict` with the current global model. */
export interface Predictor {
  /** Features per sample the model takes (e.g. 784 for MNIST). */
  readonly features: number;
  /** Loads the current global weights. */
  setWeights(w: Weights): void;
  /** Class probabilities for `n` samples of `features` values each (row-major). */
  predict(x: Float32Array, n: number): Promise<Float32Array[]>;
}

/** A Predictor over a TF.js model (outputs logits; softmax is applied here). */
export class TfjsPredictor implements Predictor {
  readonly features: number;
  private readonly shape: number[];

  constructor(private readonly adapter: TfjsModelAdapter) {
    const input = adapter.model.inputs[0]?.shape ?? [];
    this.shape = input.slice(1).map((d) => d ?? -1);
    if (this.shape.some((d) => d < 1))
      throw new FederaError('E_ARG', `predict needs a fixed input shape, the model has [${input.join(', ')}]`);
    this.features = this.shape.reduce((a, b) => a * b, 1);
  }

  setWeights(w: Weights): void {
    this.adapter.setWeights(w);
  }

  async predict(x: Float32Array, n: number): Promise<Float32Array[]> {
    const probs = tf.tidy(() => {
      const out = this.adapter.model.predict(tf.tensor(x, [n, ...this.shape])) as tf.Tensor;
      return tf.softmax(tf.reshape(out, [n, -1]));
    });
    const flat = (await probs.data()) as Float32Array;
    const k = flat.length / n;
    probs.dispose();
    return Array.from({ length: n }, (_, i) => flat.slice(i * k, (i + 1) * k));
  }
}

/** Most samples one request may carry. */
export const MAX_PREDICT_SAMPLES = 1024;

/**
 * Validates a predict request body: `{ "inputs": number[][] }` (or one sample as
 * `{ "input": number[] }`), each sample `features` finite numbers, at most
 * MAX_PREDICT_SAMPLES of them. Throws FederaError E_INPUT naming what is wrong.
 */
export function parsePredictBody(body: unknown, features: number): { x: Float32Array; n: number } {
  const o = body as { inputs?: unknown; input?: unknown } | null;
  const rows =
    o && typeof o === 'object'
      ? Array.isArray(o.inputs)
        ? o.inputs
        : Array.isArray(o.input)
          ? [o.input]
          : undefined
      : undefined;
  if (!rows) throw new FederaError('E_INPUT', 'the body must be JSON { "inputs": [[...], ...] } or { "input": [...] }');
  if (rows.length === 0 || rows.length > MAX_PREDICT_SAMPLES) {
    throw new FederaError('E_INPUT', `inputs must hold 1 to ${MAX_PREDICT_SAMPLES} samples, got ${rows.length}`);
  }
  const x = new Float32Array(rows.length * features);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== features) {
      throw new FederaError(
        'E_INPUT',
        `inputs[${i}] must be an array of ${features} numbers, got ${Array.isArray(r) ? `${r.length} values` : typeof r}`,
      );
    }
    for (let j = 0; j < features; j++) {
      const v = r[j];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new FederaError('E_INPUT', `inputs[${i}][${j}] is not a finite number`);
      x[i * features + j] = v;
    }
  });
  return { x, n: rows.length };
}

/** Reads a request body up to `limit` bytes; throws E_TOO_LARGE past it. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).byteLength;
    if (n > limit) throw new FederaError('E_TOO_LARGE', `request body over ${limit} bytes`);
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Handles POST /api/predict: JSON in, `{ round, predictions: [{ label, probabilities }] }` out; 400 with the error otherwise. */
export async function handlePredict(
  req: IncomingMessage,
  res: ServerResponse,
  predictor: Predictor,
  round: () => number,
): Promise<void> {
  try {
    const text = await readBody(req, MAX_PREDICT_SAMPLES * predictor.features * 24 + 1024);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new FederaError('E_INPUT', 'the body is not JSON');
    }
    const { x, n } = parsePredictBody(body, predictor.features);
    const probs = await predictor.predict(x, n);
    const predictions = probs.map((p) => ({
      label: argmax(p),
      probabilities: Array.from(p, (v) => Math.round(v * 1e6) / 1e6),
    }));
    sendJson(res, 200, { round: round(), predictions });
  } catch (e) {
    const fe = e instanceof FederaError ? e : new FederaError('E_INTERNAL', e instanceof Error ? e.message : String(e));
    sendJson(res, fe.code === 'E_TOO_LARGE' ? 413 : fe.code === 'E_INTERNAL' ? 500 : 400, {
      error: { code: fe.code, message: fe.message },
    });
  }
}

function argmax(p: Float32Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[best] as number)) best = i;
  return best;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
