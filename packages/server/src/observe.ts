import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuditChain,
  auditRoundFromRecord,
  auditRow,
  exportAuditPublicKey,
  hashWeights,
  type RoundRecord,
  type Weights,
} from '@federa/core';
import {
  type DashboardHandler,
  type DashboardOptions,
  dashboardHandler,
  MemoryDashboardSource,
  metricsHandler,
} from './http/index.js';
import type { Hub } from './hub.js';
import type { AuditRow, Store } from './store/store.js';

/** What a server shows and records about its run besides the checkpoints. */
export interface ObserveOptions {
  /** Serve the dashboard (GET /, /api/status, /api/rounds, /api/clients, /api/events) and GET /metrics. Default true. */
  readonly dashboard?: boolean | DashboardOptions;
  /** Append every round to a hash-chained, signed audit log kept in the store (its public key recorded with it). */
  readonly audit?: { readonly privateKey: CryptoKey; readonly publicKey: CryptoKey };
}

/**
 * Feeds the dashboard's data source from the hub's events and the round loop, and keeps the
 * audit chain: each round's weights in and out, the SHA-256 of every update received (as
 * signed by its client), and its metrics, stored in the same transaction as the checkpoint.
 */
export class RunObserver {
  private source: MemoryDashboardSource | undefined;
  private handler: DashboardHandler | undefined;
  private metrics: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  private chain: AuditChain | undefined;
  private readonly updates = new Map<string, string>();
  private weightsIn: string | undefined;
  private readonly off: () => void;

  constructor(
    hub: Hub,
    private readonly store: Store,
    private readonly opts: ObserveOptions,
  ) {
    this.off = hub.on((e) => {
      if (e.type === 'online')
        this.source?.clientConnected(e.clientId, { ...(e.numExamples ? { numExamples: e.numExamples } : {}) });
      else if (e.type === 'offline') this.source?.clientDisconnected(e.clientId);
      else if (e.type === 'outcome' && e.kind !== 'evaluate' && e.updateHash) {
        // A training update, or under secure aggregation the masked input (the only thing the server saw).
        this.updates.set(e.clientId, e.updateHash);
      }
    });
  }

  /** Routes dashboard and metrics requests (false: not one of theirs, or no run yet). */
  http(req: IncomingMessage, res: ServerResponse): boolean {
    return (this.handler?.(req, res) ?? false) || (this.metrics?.(req, res) ?? false);
  }

  /** A run begins (or resumes with `previous` rounds already done). */
  async begin(
    run: { runId: string; name: string; strategy: string; rounds: number },
    previous: readonly RoundRecord[],
    online: readonly string[],
  ): Promise<void> {
    if (this.opts.dashboard !== false) {
      this.handler?.close();
      this.source = new MemoryDashboardSource({
        runId: run.runId,
        name: run.name,
        strategy: run.strategy,
        totalRounds: run.rounds,
      });
      for (const r of previous) this.source.roundFinished(r);
      for (const id of online) this.source.clientConnected(id);
      this.handler = dashboardHandler(this.source, typeof this.opts.dashboard === 'object' ? this.opts.dashboard : {});
      this.metrics = metricsHandler(this.source);
    }
    if (this.opts.audit) {
      await this.store.setAuditKey(await exportAuditPublicKey(this.opts.audit.publicKey));
      const head = await this.store.auditHead();
      this.chain = new AuditChain({ privateKey: this.opts.audit.privateKey, ...(head ? { head } : {}) });
    }
  }

  async roundStart(round: number, sampled: number, weights: Weights | undefined): Promise<void> {
    this.updates.clear();
    this.source?.roundStarted(round, sampled);
    this.weightsIn = this.chain && weights ? await hashWeights(weights) : undefined;
  }

  clientDone(round: number, done: number, total: number): void {
    this.source?.clientDone(round, done, total);
  }

  /** The audit row of a completed round (to store with its checkpoint), when auditing. */
  async auditRow(
    runId: string,
    strategy: string,
    record: RoundRecord,
    weights: Weights,
  ): Promise<AuditRow | undefined> {
    if (!this.chain) return undefined;
    const entry = await this.chain.append(
      auditRoundFromRecord(record, {
        strategy,
        runId,
        weightsIn: this.weightsIn ?? '',
        weightsOut: await hashWeights(weights),
        updateHashes: this.updates,
      }),
    );
    return auditRow(entry);
  }

  roundDone(record: RoundRecord): void {
    this.source?.roundFinished(record);
  }

  finished(ok: boolean, error?: string): void {
    this.source?.setState(ok ? 'finished' : 'failed', error);
  }

  close(): void {
    this.off();
    this.handler?.close();
  }
}
