import { secAggRequestToWire, secAggResponseFromWire } from '@federa/client';
import {
  errorInfo,
  type Outcome,
  ringLength,
  type SecAggChannel,
  type SecAggRequest,
  type SecAggResponse,
} from '@federa/core';
import type { Hub } from './hub.js';

/**
 * Secure aggregation over the network: each SecAgg step goes to its client as a signed
 * TASK_KIND_SECAGG task through the hub, and each answer comes back attributed to the
 * authenticated sender. The masked input is the only upload accepted, of exactly the
 * session's ring length. A client that misses `deadlineMs` (default 60 s), disconnects past
 * the hub's grace period or answers nonsense drops out of the session.
 *
 * @example
 * const strategy = withSecureAggregation(new FedAvg({ fraction: 1 }), { clip: 1, channel: new NetworkSecAggChannel(server.hub) });
 */
export class NetworkSecAggChannel implements SecAggChannel {
  private readonly words = new Map<number, number>();

  constructor(
    private readonly hub: Hub,
    private readonly opts: { readonly deadlineMs?: number } = {},
  ) {}

  async *exchange(round: number, requests: readonly SecAggRequest[]): AsyncIterable<Outcome<SecAggResponse>> {
    const setup = requests.find((r) => r.step === 'setup');
    if (setup?.step === 'setup') {
      this.words.set(round, ringLength(setup.params));
      for (const r of this.words.keys()) if (r < round - 2) this.words.delete(r);
    }
    const wire = requests.map((r) => ({ clientId: r.to, secagg: secAggRequestToWire(r) }));
    const maxUploadBytes = requests[0]?.step === 'forwarded' ? 4 * (this.words.get(round) ?? 0) : 0;
    const deadlineMs = this.opts.deadlineMs ?? 60_000;
    for await (const o of this.hub.exchange(round, wire, { deadlineMs, maxUploadBytes })) {
      if (!o.ok) {
        yield o;
        continue;
      }
      try {
        const value = secAggResponseFromWire(o.value.response, o.clientId, o.value.upload);
        yield { ok: true, clientId: o.clientId, value };
      } catch (e) {
        yield { ok: false, clientId: o.clientId, error: errorInfo(e) };
      }
    }
  }
}
