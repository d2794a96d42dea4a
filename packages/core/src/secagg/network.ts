import { errorInfo, FederaError } from '../errors.js';
import type { Outcome } from '../messages.js';
import type { Rng } from '../rng.js';
import type { SecAggCrypto } from './crypto.js';
import { maskedWeights, unmaskedMean } from './masked-weights.js';
import type {
  AdvertiseKeysMessage,
  ForwardedSharesMessage,
  KeyListMessage,
  MaskedInputMessage,
  ShareKeysMessage,
  UnmaskRequestMessage,
  UnmaskResponseMessage,
} from './messages.js';
import { secAggMessageBytes } from './messages.js';
import type { SecAggParams, SecAggPhase } from './params.js';
import { type SecAggDpOptions, type SecAggResult, SecAggServer } from './server.js';

/**
 * What the server asks one client in one step of a SecAgg session over a transport. The
 * first step (`setup`) carries the session's public parameters and the weight the client
 * masks with its input; the others carry the server's SecAgg message of the previous round.
 */
export type SecAggRequest =
  | { readonly step: 'setup'; readonly to: string; readonly params: SecAggParams; readonly weight: number }
  | ({ readonly step: 'keyList' } & KeyListMessage)
  | ({ readonly step: 'forwarded' } & ForwardedSharesMessage)
  | ({ readonly step: 'unmask' } & UnmaskRequestMessage);

/** A client's answer to a SecAggRequest: its SecAgg message for the next round. `from` is set by the transport to the authenticated sender. */
export type SecAggResponse =
  | ({ readonly step: 'advertise' } & AdvertiseKeysMessage)
  | ({ readonly step: 'shareKeys' } & ShareKeysMessage)
  | ({ readonly step: 'masked' } & MaskedInputMessage)
  | ({ readonly step: 'unmask' } & UnmaskResponseMessage);

/** The answer each request step expects. */
export const SECAGG_ANSWERS = {
  setup: 'advertise',
  keyList: 'shareKeys',
  forwarded: 'masked',
  unmask: 'unmask',
} as const satisfies Record<SecAggRequest['step'], SecAggResponse['step']>;

/**
 * Carries one step of a SecAgg session to the clients and back: one Outcome per request (the
 * client's response, or a failure such as E_DEADLINE or E_DISCONNECTED, which the session
 * treats as that client dropping out). The network server implements it over its sockets;
 * `LocalSecAggChannel` in process.
 */
export interface SecAggChannel {
  exchange(round: number, requests: readonly SecAggRequest[]): AsyncIterable<Outcome<SecAggResponse>>;
}

export interface SecAggSessionOptions {
  readonly channel: SecAggChannel;
  readonly round: number;
  /** The clients that trained and hold an input of `vectorLength` values. */
  readonly clientIds: readonly string[];
  readonly vectorLength: number;
  /** n_k per client (same order) for a weighted mean; omitted: uniform. */
  readonly weights?: readonly number[];
  /** Weights are divided by this cap (clamped to 1) before masking (default: the largest). */
  readonly maxWeight?: number;
  readonly threshold: number;
  readonly neighbours?: 'complete' | 'harary' | number;
  readonly bits?: number;
  readonly clip: number;
  readonly dp?: SecAggDpOptions;
  /** Seeds the server's graph and session id; default the platform CSPRNG. */
  readonly rng?: Rng;
  /** The server's cryptographic primitives (default `webCryptoSecAgg`). */
  readonly crypto?: SecAggCrypto;
}

/** What a session over a channel learns, and what it cost. */
export interface SecAggSessionResult extends SecAggResult {
  /** Σ w·x / Σ w in the original weight units (the survivors' weighted mean). */
  readonly mean: Float32Array;
  /** Payload bytes of the SecAgg messages received from / sent to clients (`secAggMessageBytes`). */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** The server's own compute time, ms (the rest of a session is waiting for clients). */
  readonly serverMs: number;
  readonly threshold: number;
  readonly neighbourhood: number;
  /** Why each client that left the session left (phase, code and message). */
  readonly failures: readonly { readonly clientId: string; readonly phase: SecAggPhase; readonly error: string }[];
}

/**
 * Runs the server's side of one SecAgg / SecAgg+ session over a channel: setup (params and
 * each client's weight) → AdvertiseKeys → ShareKeys → MaskedInputCollection → Unmasking, with
 * `SecAggServer` deciding every step. A client whose answer fails, comes late, is of the
 * wrong kind or is malformed (E_SECAGG_MESSAGE) drops out of the session at that phase and
 * the protocol recovers its masks while t remain; below t it throws E_SECAGG_THRESHOLD and
 * never returns a wrong sum. The server holds only the running sum of masked inputs.
 *
 * @example
 * const r = await runSecAggSession({ channel, round, clientIds, vectorLength: m, threshold: 0.5, clip: 1 });
 * r.mean; // the survivors' mean; r.failures says who dropped and why
 */
export async function runSecAggSession(opts: SecAggSessionOptions): Promise<SecAggSessionResult> {
  const ids = opts.clientIds;
  let serverMs = 0;
  const time = <T>(f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      serverMs += performance.now() - t0;
    }
  };
  const { w, cap } = maskedWeights(opts.weights, ids.length, opts.maxWeight);
  const server = time(
    () =>
      new SecAggServer({
        clientIds: ids,
        vectorLength: opts.vectorLength,
        threshold: opts.threshold,
        neighbours: opts.neighbours,
        bits: opts.bits,
        clip: opts.clip,
        weighted: w !== undefined,
        dp: opts.dp,
        ...(opts.rng ? { rng: opts.rng } : {}),
        ...(opts.crypto ? { crypto: opts.crypto } : {}),
      }),
  );
  const failures: { clientId: string; phase: SecAggPhase; error: string }[] = [];
  let bytesUp = 0;
  let bytesDown = 0;
  const step = async <R extends SecAggResponse>(
    phase: SecAggPhase,
    requests: readonly SecAggRequest[],
    receive: (r: R) => void,
  ): Promise<void> => {
    for (const r of requests) bytesDown += secAggMessageBytes(r as never);
    const expected = new Map(requests.map((r) => [r.to, SECAGG_ANSWERS[r.step]]));
    for await (const o of opts.channel.exchange(opts.round, requests)) {
      if (!o.ok) {
        failures.push({ clientId: o.clientId, phase, error: `${o.error.code}: ${o.error.message}` });
        continue;
      }
      const v = o.value;
      try {
        if (expected.get(o.clientId) !== v.step || v.from !== o.clientId) {
          throw new FederaError(
            'E_SECAGG_MESSAGE',
            `'${o.clientId}' answered ${phase} with a '${v.step}' message from '${v.from}'`,
          );
        }
        expected.delete(o.clientId);
        bytesUp += secAggMessageBytes(v as never);
        time(() => receive(v as R));
      } catch (e) {
        const { code, message } = errorInfo(e);
        failures.push({ clientId: o.clientId, phase, error: `${code}: ${message}` });
      }
    }
  };

  await step<Extract<SecAggResponse, { step: 'advertise' }>>(
    'advertiseKeys',
    ids.map((to, i) => ({ step: 'setup', to, params: server.params, weight: w?.[i] ?? 1 })),
    (m) => server.receiveAdvertiseKeys(m),
  );
  const keyLists = time(() => server.finishAdvertiseKeys());
  await step<Extract<SecAggResponse, { step: 'shareKeys' }>>(
    'shareKeys',
    keyLists.map((m) => ({ step: 'keyList', ...m })),
    (m) => server.receiveShareKeys(m),
  );
  const forwarded = time(() => server.finishShareKeys());
  await step<Extract<SecAggResponse, { step: 'masked' }>>(
    'maskedInputCollection',
    forwarded.map((m) => ({ step: 'forwarded', ...m })),
    (m) => server.receiveMaskedInput(m),
  );
  const requests = time(() => server.finishMaskedInputCollection());
  await step<Extract<SecAggResponse, { step: 'unmask' }>>(
    'unmasking',
    requests.map((m) => ({ step: 'unmask', ...m })),
    (m) => server.receiveUnmasking(m),
  );
  const t0 = performance.now();
  const res = await server.finishUnmasking();
  serverMs += performance.now() - t0;
  const { sum, weightSum, mean } = unmaskedMean(res, cap);
  return {
    ...res,
    sum,
    weightSum,
    mean,
    bytesUp,
    bytesDown,
    serverMs,
    failures,
    threshold: server.params.threshold,
    neighbourhood: 1 + (server.graph.get(ids[0]!)?.length ?? 0),
  };
}
