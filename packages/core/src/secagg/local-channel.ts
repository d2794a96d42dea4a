import { errorInfo } from '../errors.js';
import type { Outcome } from '../messages.js';
import type { SecAggChannel, SecAggRequest, SecAggResponse } from './network.js';
import type { SecAggParticipant } from './participant.js';

/**
 * A SecAggChannel in process: each request goes straight to its client's
 * `SecAggParticipant`; a thrown error becomes that client's failed Outcome. `fail` decides,
 * per request, that a client does not answer (a simulated dropout, E_DISCONNECTED).
 * Requests are answered concurrently; outcomes come back in request order.
 */
export class LocalSecAggChannel implements SecAggChannel {
  constructor(
    private readonly participants: ReadonlyMap<string, SecAggParticipant>,
    private readonly fail: (req: SecAggRequest) => boolean = () => false,
  ) {}

  async *exchange(round: number, requests: readonly SecAggRequest[]): AsyncIterable<Outcome<SecAggResponse>> {
    const answers = requests.map(async (req): Promise<Outcome<SecAggResponse>> => {
      const p = this.participants.get(req.to);
      if (!p || this.fail(req)) {
        return {
          ok: false,
          clientId: req.to,
          error: { code: 'E_DISCONNECTED', message: `'${req.to}' did not answer` },
        };
      }
      try {
        return { ok: true, clientId: req.to, value: await p.respond(round, req) };
      } catch (e) {
        return { ok: false, clientId: req.to, error: errorInfo(e) };
      }
    });
    for (const a of answers) yield await a;
  }
}
