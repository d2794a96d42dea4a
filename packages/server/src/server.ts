import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CLOSE } from '@federa/client';
import {
  type AsyncRecord,
  type GlobalEvaluator,
  type RoundRecord,
  type RunResult,
  runFederated,
  type Strategy,
  type Weights,
} from '@federa/core';
import { WebSocketServer } from 'ws';
import { restoreAsyncCheckpoint } from './async-checkpoint.js';
import { validateEnrolment } from './auth.js';
import { makeCheckpoint, restoreCheckpoint } from './checkpoint.js';
import { Hub, type HubEvent, type HubOptions } from './hub.js';
import { NetworkGrid } from './network-grid.js';
import { type ObserveOptions, RunObserver } from './observe.js';
import { openRun } from './open-run.js';
import { handlePredict, type Predictor, sendJson } from './predict.js';
import type { Store } from './store/store.js';
import { type AsyncServerRunResult, type AsyncTrainingPlan, trainAsyncLoop, validateAsyncPlan } from './train-async.js';

export interface FederaServerOptions extends Omit<HubOptions, 'store' | 'log'>, ObserveOptions {
  readonly store: Store;
  /** Interface to listen on (default 127.0.0.1; '0.0.0.0' for every interface). */
  readonly host?: string;
  /** Port (default 0: a free one; see `port` after start). */
  readonly port?: number;
  /** PEM certificate and key: serve https:// and wss://. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Serves POST /api/predict with the current global model. */
  readonly predictor?: Predictor;
  /** Extra HTTP routes, tried first: return true when handled. */
  readonly http?: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly log?: (line: string) => void;
}

/** What the server trains: the run's identity, its strategy and its start. */
export interface TrainingPlan {
  /** The run's name: a server restarted on the same store resumes the unfinished run of this name. */
  readonly name: string;
  /** The run's config (JSON-serialisable); a resumed run must have the same one. */
  readonly config: unknown;
  readonly seed: number;
  readonly rounds: number;
  /** A fresh strategy (its state is restored from the last checkpoint when resuming). */
  readonly strategy: Strategy;
  /** w_0 (ignored when resuming). */
  readonly initial: Weights;
  /** Wait for this many clients online before each round (default 1). */
  readonly minClients?: number;
  /** Per-round deadline for replies, ms. */
  readonly deadlineMs?: number;
  readonly evaluate?: GlobalEvaluator;
  readonly evaluateEvery?: number;
  readonly stopAtAccuracy?: number;
  /** Called after each round is checkpointed. */
  readonly onRound?: (record: RoundRecord, weights: Weights) => void | Promise<void>;
}

export interface ServerRunResult {
  readonly runId: string;
  readonly weights: Weights;
  /** Every round of the run, the ones before a resume included. */
  readonly rounds: readonly RoundRecord[];
  readonly stopReason: RunResult['stopReason'];
  /** The first round this process ran (1 unless it resumed). */
  readonly startRound: number;
}

/**
 * federa's server: one HTTP(S) listener carrying the WebSocket protocol at /ws (binary
 * Protobuf frames, see proto/federa.proto), POST /api/predict, GET /healthz and any extra
 * routes (the dashboard). `train` runs `runFederated` over a NetworkGrid, checkpoints
 * every completed round to the Store in one transaction, and resumes from the last one
 * after a restart. `stop` aborts the current round (it is not recorded) and closes all.
 *
 * @example
 * const server = await FederaServer.start({ store: SqliteStore.open('runs/x.sqlite'), auth: { tokens }, model: { name: 'mlp2nn' }, port: 8080 });
 * const result = await server.train({ name: 'x', config, seed: 1, rounds: 20, strategy: new FedAvg({ fraction: 1 }), initial, minClients: 4 });
 */
export class FederaServer {
  readonly hub: Hub;
  private readonly observer: RunObserver;
  private readonly abort = new AbortController();
  private current: { runId: string; round: number; weights: Weights | undefined } = {
    runId: '',
    round: 0,
    weights: undefined,
  };
  private stopped = false;
  private boundPort = 0;

  private constructor(
    private readonly opts: FederaServerOptions,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    hub: Hub,
  ) {
    this.hub = hub;
    this.observer = new RunObserver(hub, opts.store, opts);
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(opts: FederaServerOptions): Promise<FederaServer> {
    validateEnrolment(opts.auth);
    const hub = new Hub({ ...opts, ...(opts.log ? { log: opts.log } : {}) });
    await hub.load();
    const server = opts.tls ? createHttps({ cert: opts.tls.cert, key: opts.tls.key }) : createHttp();
    const wss = new WebSocketServer({ server, path: '/ws', maxPayload: hub.maxFrameBytes, perMessageDeflate: false });
    const s = new FederaServer(opts, server, wss, hub);
    server.on('request', (req, res) => s.route(req, res));
    wss.on('connection', (ws, req) => hub.attach(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    opts.log?.(`federa server listening on ${s.url} (port ${s.port})`);
    return s;
  }

  /** The bound port (kept after `stop`, so a restarted server can take the same one). */
  get port(): number {
    this.boundPort ||= (this.server.address() as AddressInfo).port;
    return this.boundPort;
  }

  /** ws:// (or wss://) URL clients connect to. */
  get url(): string {
    return `${this.opts.tls ? 'wss' : 'ws'}://${this.hostForUrl()}:${this.port}/ws`;
  }

  /** http(s):// base URL of the REST API. */
  get httpUrl(): string {
    return `${this.opts.tls ? 'https' : 'http'}://${this.hostForUrl()}:${this.port}`;
  }

  private hostForUrl(): string {
    const h = this.opts.host ?? '127.0.0.1';
    return h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h;
  }

  /** The run, round and global weights after the last completed round. */
  get state(): { readonly runId: string; readonly round: number; readonly weights: Weights | undefined } {
    return this.current;
  }

  /** Subscribes to the hub's events (clients online/offline, refusals, outcomes). */
  on(listener: (e: HubEvent) => void): () => void {
    return this.hub.on(listener);
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    try {
      if (this.opts.http?.(req, res) || this.observer.http(req, res)) return;
    } catch (e) {
      sendJson(res, 500, { error: { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) } });
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/predict') {
      if (req.method !== 'POST') sendJson(res, 405, { error: { code: 'E_METHOD', message: 'use POST' } });
      else if (!this.opts.predictor)
        sendJson(res, 404, { error: { code: 'E_NO_MODEL', message: 'this server has no predictor' } });
      else void handlePredict(req, res, this.opts.predictor, () => this.current.round);
    } else if (path === '/healthz') {
      sendJson(res, 200, {
        ok: true,
        run: this.current.runId,
        round: this.current.round,
        online: this.hub.online().length,
      });
    } else {
      sendJson(res, 404, { error: { code: 'E_NOT_FOUND', message: `no route ${req.method} ${path}` } });
    }
  }

  /**
   * Trains the plan to its end (or resumes it: the store's unfinished run of `plan.name`
   * continues from its last checkpoint, strategy state restored). Before each round it waits
   * for `minClients` clients. Returns when the run ends or `stop` is called ('aborted').
   * Throws E_CONFIG when the store's unfinished run of this name has a different config.
   */
  async train(plan: TrainingPlan): Promise<ServerRunResult> {
    const store = this.opts.store;
    const log = this.opts.log ?? (() => {});
    const runId = await this.openRun(plan.name, plan.config, plan.seed, plan.rounds);
    const ckpt = await store.latestCheckpoint(runId);
    const initial = ckpt ? restoreCheckpoint(ckpt, plan.strategy) : plan.initial;
    const startRound = ckpt ? ckpt.round + 1 : 1;
    const before = (await store.rounds(runId)).filter((r) => r.round < startRound);
    this.current = { runId, round: startRound - 1, weights: initial };
    this.opts.predictor?.setWeights(initial);
    log(ckpt ? `resuming run ${runId} after round ${ckpt.round}` : `starting run ${runId}`);
    const signal = this.abort.signal;
    const minClients = plan.minClients ?? 1;
    const strategyName = plan.strategy.name;
    await this.observer.begin(
      { runId, name: plan.name, strategy: strategyName, rounds: plan.rounds },
      before,
      this.hub.online().map((c) => c.id),
    );
    let weightsIn: Promise<void> = Promise.resolve();
    const finish = async (weights: Weights, stopReason: RunResult['stopReason'], rounds: readonly RoundRecord[]) => {
      await this.end(runId, stopReason);
      return { runId, weights, rounds, stopReason, startRound };
    };
    if (startRound > plan.rounds) return finish(initial, 'rounds', before);
    try {
      log(`waiting for ${minClients} client(s)`);
      await this.hub.waitForClients(minClients, signal);
    } catch {
      return finish(initial, 'aborted', before);
    }
    const result = await runFederated({
      grid: new NetworkGrid(this.hub),
      strategy: plan.strategy,
      initial,
      rounds: plan.rounds,
      seed: plan.seed,
      startRound,
      signal,
      ...(plan.evaluate ? { evaluate: plan.evaluate } : {}),
      ...(plan.evaluateEvery !== undefined ? { evaluateEvery: plan.evaluateEvery } : {}),
      ...(plan.stopAtAccuracy !== undefined ? { stopAtAccuracy: plan.stopAtAccuracy } : {}),
      ...(plan.deadlineMs !== undefined ? { send: { deadlineMs: plan.deadlineMs } } : {}),
      onRoundStart: (round, sampled) => {
        weightsIn = this.observer.roundStart(round, sampled, this.current.weights);
      },
      onClientDone: (round, done, total) => this.observer.clientDone(round, done, total),
      onRound: async (record, weights) => {
        if (signal.aborted) return; // a round cut short by stop() is not recorded: it runs again on resume
        await weightsIn;
        const audit = await this.observer.auditRow(runId, strategyName, record, weights);
        await store.saveRound(runId, record, makeCheckpoint(record.round, weights, plan.strategy), audit);
        this.observer.roundDone(record);
        this.current = { runId, round: record.round, weights };
        this.opts.predictor?.setWeights(weights);
        log(
          `round ${record.round}: ${record.succeeded}/${record.sampled} clients, accuracy ${record.accuracy.toFixed(4)}`,
        );
        await plan.onRound?.(record, weights);
        if (record.round < plan.rounds) await this.hub.waitForClients(minClients, signal).catch(() => {});
      },
    });
    const rounds = [...before, ...result.history.rounds.filter((r) => r.round <= this.current.round)];
    return finish(result.weights, signal.aborted ? 'aborted' : result.stopReason, rounds);
  }

  /**
   * Trains an asynchronous plan (FedBuff, FedAsync) to server model version `plan.versions`,
   * or resumes it: the store's unfinished run of `plan.name` continues from its last stored
   * version (strategy state restored, startVersion = that version); updates that were in
   * flight when the server stopped are redone by new tasks. Waits for `minClients` before
   * training and again whenever every client went away (see `trainAsyncLoop`). Each version is
   * stored as a round (round = version) with its checkpoint, on the dashboard and in the audit
   * chain. Throws E_CONFIG like `train` for a different config under the same name.
   */
  async trainAsync(plan: AsyncTrainingPlan): Promise<AsyncServerRunResult> {
    validateAsyncPlan(plan);
    const store = this.opts.store;
    const log = this.opts.log ?? (() => {});
    const runId = await this.openRun(plan.name, plan.config, plan.seed, plan.versions);
    const ckpt = await store.latestCheckpoint(runId);
    const initial = ckpt ? restoreAsyncCheckpoint(ckpt, plan.strategy) : plan.initial;
    const startVersion = ckpt?.round ?? 0;
    const before = (await store.rounds(runId)).filter((r) => r.round <= startVersion) as AsyncRecord[];
    const published = (version: number, weights: Weights) => {
      this.current = { runId, round: version, weights };
      this.opts.predictor?.setWeights(weights);
    };
    published(startVersion, initial);
    log(ckpt ? `resuming run ${runId} from version ${startVersion}` : `starting run ${runId}`);
    await this.observer.begin(
      { runId, name: plan.name, strategy: plan.strategy.name, rounds: plan.versions },
      before,
      this.hub.online().map((c) => c.id),
    );
    const r = await trainAsyncLoop(
      {
        hub: this.hub,
        store,
        observer: this.observer,
        signal: this.abort.signal,
        log,
        runId,
        published,
        ...(this.opts.audit ? { auditKey: this.opts.audit.privateKey } : {}),
      },
      plan,
      { weights: initial, version: startVersion, before },
    );
    await this.end(runId, r.stopReason);
    return { runId, startVersion, ...r };
  }

  /** Opens (or reopens) the run and points the hub at it. */
  private async openRun(name: string, config: unknown, seed: number, rounds: number): Promise<string> {
    const runId = await openRun(this.opts.store, { name, config, seed, rounds });
    this.hub.setRun(runId);
    return runId;
  }

  /** Marks a run that ended (not aborted) finished and sends its clients away. */
  private async end(runId: string, stopReason: string): Promise<void> {
    if (stopReason === 'aborted') return;
    await this.opts.store.finishRun(runId, stopReason);
    this.observer.finished(true);
    this.opts.log?.(`run ${runId} finished (${stopReason})`);
    this.hub.shutdown(CLOSE.finished, `run finished: ${stopReason}`);
  }

  /** Aborts training (the open round is not recorded), closes every connection and the listener. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.observer.close();
    this.hub.shutdown(CLOSE.shutdown, 'server shutting down');
    await new Promise<void>((r) => this.wss.close(() => r()));
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
