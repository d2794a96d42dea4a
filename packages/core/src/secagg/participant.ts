import { FederaError } from '../errors.js';
import { SecAggClient, type SecAggClientOptions } from './client.js';
import type { SecAggRequest, SecAggResponse } from './network.js';

/**
 * The config key a strategy sets on a training instruction to say "keep your update: it
 * leaves this device only masked, in the SecAgg session that follows". Its value names the
 * protocol ('secagg').
 */
export const SECURE_AGGREGATION_KEY = 'secure_aggregation';

interface Session {
  readonly input: Float32Array;
  client?: SecAggClient;
  /** w ∈ [0, 1], masked with the input (the server's choice from n_k and its cap). */
  weight: number;
}

/**
 * A client's side of secure aggregation over a transport: `hold` keeps the update a round's
 * training produced (it is never sent in the clear), `respond` answers each step of that
 * round's session with a fresh `SecAggClient` (platform CSPRNG keys) and forgets the input
 * after Unmasking. Requests for a round it holds no input for, or addressed to another
 * client, throw E_SECAGG_STATE / E_SECAGG_MESSAGE (the server then counts this client as
 * dropped). Keeps the last `keep` rounds (default 2).
 *
 * @example
 * const p = new SecAggParticipant('hospital-a');
 * p.hold(round, update.data);             // after local training
 * const answer = await p.respond(round, request); // for each step the server sends
 */
export class SecAggParticipant {
  private readonly sessions = new Map<number, Session>();

  constructor(
    readonly id: string,
    private readonly opts: SecAggClientOptions & { readonly keep?: number } = {},
  ) {}

  /** Keeps round `round`'s update (a copy) for its SecAgg session. */
  hold(round: number, input: Float32Array): void {
    this.sessions.delete(round);
    this.sessions.set(round, { input: input.slice(), weight: 1 });
    const keep = this.opts.keep ?? 2;
    while (this.sessions.size > keep) this.sessions.delete(this.sessions.keys().next().value as number);
  }

  /** Whether an input is held for `round`. */
  holds(round: number): boolean {
    return this.sessions.has(round);
  }

  /** Answers one step of round `round`'s session. */
  async respond(round: number, req: SecAggRequest): Promise<SecAggResponse> {
    const s = this.sessions.get(round);
    if (!s) {
      throw new FederaError(
        'E_SECAGG_STATE',
        `no update held for round ${round}: this client did not train in that round (or restarted since)`,
        'the server drops this client from the session',
      );
    }
    if (req.to !== this.id) {
      throw new FederaError('E_SECAGG_MESSAGE', `a SecAgg request for '${req.to}' reached '${this.id}'`);
    }
    switch (req.step) {
      case 'setup': {
        if (req.params.vectorLength !== s.input.length) {
          throw new FederaError(
            'E_SECAGG_MESSAGE',
            `the session masks ${req.params.vectorLength} values, this client's update has ${s.input.length}`,
          );
        }
        if (!(req.weight >= 0 && req.weight <= 1)) {
          throw new FederaError(
            'E_SECAGG_MESSAGE',
            `the session's weight for this client is ${req.weight}, not in [0, 1]`,
          );
        }
        s.client = new SecAggClient(this.id, req.params, this.opts);
        s.weight = req.weight;
        return { step: 'advertise', ...(await s.client.advertiseKeys()) };
      }
      case 'keyList':
        return { step: 'shareKeys', ...(await this.client(s).shareKeys(req)) };
      case 'forwarded':
        return { step: 'masked', ...(await this.client(s).maskedInput(req, s.input, s.weight)) };
      case 'unmask': {
        const r = await this.client(s).unmask(req);
        this.sessions.delete(round);
        return { step: 'unmask', ...r };
      }
    }
  }

  private client(s: Session): SecAggClient {
    if (!s.client) {
      throw new FederaError('E_SECAGG_PHASE', 'a SecAgg step arrived before the session was set up');
    }
    return s.client;
  }
}
