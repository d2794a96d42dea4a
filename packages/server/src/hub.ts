import {
  asBytes,
  CLOSE,
  configToWire,
  DEFAULT_CHUNK_BYTES,
  decodeFrame,
  type Frame,
  type FrameOf,
  PROTOCOL_VERSION,
  safeNumber,
  type SecAggRequest as WireSecAggRequest,
} from '@federa/client';
import {
  type ClientInfo,
  type EvaluateIns,
  type EvaluateRes,
  errorInfo,
  FederaError,
  type Outcome,
  type SendOptions,
  type TrainIns,
  type TrainRes,
} from '@federa/core';
import type { WebSocket } from 'ws';
import type { EnrolmentOptions, TokenBucket } from './auth.js';
import { BlobCache, blobFrames } from './blobs.js';
import { authenticate } from './enrol.js';
import { OpenTasks } from './open-tasks.js';
import { checkReply, type SecAggAnswer } from './reply.js';
import { Session } from './session.js';
import type { Store } from './store/store.js';
import { type PendingTask, settleInOrder, TASK_KINDS, type TaskKindName } from './tasks.js';
import { UploadTable } from './uploads.js';

/** Limits and timing of the client hub. */
export interface HubOptions {
  readonly auth: EnrolmentOptions;
  readonly store: Store;
  /** The model clients build (sent in Welcome as JSON), e.g. { name: 'mlp2nn' }. */
  readonly model?: { readonly name: string; readonly options?: Record<string, unknown> };
  /** Chunk size for transfers (default 1 MiB). */
  readonly chunkBytes?: number;
  /** Largest frame accepted (default chunkBytes + 64 KiB); bigger frames close the connection (1009). */
  readonly maxFrameBytes?: number;
  /** Largest update accepted (default: twice the weights sent, plus 1 MiB). */
  readonly maxUpdateBytes?: number;
  /** Frame rate limit per client (and per connection before it authenticates): a token bucket, default 500/s, burst 2,000. */
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  /** A client holding a task may be offline this long before the task fails E_DISCONNECTED (default 30 s). */
  readonly offlineGraceMs?: number;
  /** A connection that has not authenticated after this many ms is closed (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** Order of outcomes handed to the strategy (default 'instruction': reproducible). */
  readonly order?: 'instruction' | 'arrival';
  readonly log?: (line: string) => void;
}

/** Something the hub did, for logs and the dashboard. */
export type HubEvent =
  | { readonly type: 'online'; readonly clientId: string; readonly numExamples?: number }
  | { readonly type: 'offline'; readonly clientId: string }
  | { readonly type: 'enrolled'; readonly clientId: string }
  | {
      readonly type: 'rejected';
      readonly code: string;
      readonly message: string;
      readonly clientId?: string;
      readonly remote: string;
    }
  | {
      readonly type: 'outcome';
      readonly clientId: string;
      readonly round: number;
      readonly kind: TaskKindName;
      readonly ok: boolean;
      readonly error?: string;
      /** SHA-256 hex of an accepted update's wire bytes, or of a masked SecAgg input (as the client signed it). */
      readonly updateHash?: string;
    };

/**
 * The server's side of the protocol: authenticates connections (challenge → signed Hello,
 * enrolment tokens), keeps the registry of online clients, sends tasks and weights (in
 * chunks, resumable), receives uploads and signed replies, and turns each task into exactly
 * one Outcome: a validated reply, or a failure (deadline, disconnection past the grace
 * period, invalid update). Unauthenticated, badly signed, replayed or misdirected messages
 * are refused with a typed Error frame and logged; they never touch a task.
 */
export class Hub {
  private readonly sessions = new Map<string, Session>();
  private readonly all = new Set<Session>();
  private readonly numExamples = new Map<string, number>();
  private readonly lastSeq = new Map<string, number>();
  private readonly tokenOwners = new Map<string, string>();
  private readonly uploads: UploadTable;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly tasks: OpenTasks;
  private readonly blobs = new BlobCache();
  private readonly listeners = new Set<(e: HubEvent) => void>();
  private readonly changed = new Set<() => void>();
  private runId = '';
  readonly chunkBytes: number;
  readonly maxFrameBytes: number;
  /** Refusals by code since start. */
  readonly rejections = new Map<string, number>();

  constructor(private readonly opts: HubOptions) {
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxFrameBytes = opts.maxFrameBytes ?? this.chunkBytes + 64 * 1024;
    this.uploads = new UploadTable(this.chunkBytes, (t) => this.maxUpdateBytes(t));
    this.tasks = new OpenTasks({
      graceMs: opts.offlineGraceMs ?? 30_000,
      send: (t) => {
        const s = this.sessions.get(t.clientId);
        if (s) this.sendTask(s, t);
        return s !== undefined;
      },
      settled: (t, o) => {
        this.uploads.delete(t.clientId, `u-${t.id}`);
        this.emit({
          type: 'outcome',
          clientId: t.clientId,
          round: t.round,
          kind: t.kind,
          ok: o.ok,
          ...(o.ok ? {} : { error: o.error.code }),
          ...(o.ok && t.updateHash ? { updateHash: t.updateHash } : {}),
        });
      },
    });
  }

  /** Loads enrolled clients' sequence numbers and token bindings from the store. */
  async load(): Promise<void> {
    for (const c of await this.opts.store.clients()) {
      this.lastSeq.set(c.id, c.lastSeq);
      if (c.tokenHash !== 'secret') this.tokenOwners.set(c.tokenHash, c.id);
      this.numExamples.set(c.id, c.numExamples);
    }
  }

  /** The run whose tasks replies must name. */
  setRun(runId: string): void {
    this.runId = runId;
  }

  on(listener: (e: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: HubEvent): void {
    for (const l of this.listeners) l(e);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Online, authenticated clients, sorted by id. */
  online(): ClientInfo[] {
    return [...this.sessions.keys()].sort().map((id) => {
      const n = this.numExamples.get(id);
      return n ? { id, numExamples: n } : { id };
    });
  }

  /** Resolves once at least `n` clients are online (rejects E_ABORTED when `signal` aborts). */
  waitForClients(n: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (signal?.aborted) {
          this.changed.delete(check);
          reject(new FederaError('E_ABORTED', 'stopped while waiting for clients'));
        } else if (this.sessions.size >= n) {
          this.changed.delete(check);
          resolve();
        }
      };
      this.changed.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  private notify(): void {
    for (const c of [...this.changed]) c();
  }

  /** Takes a new WebSocket connection: sends the challenge and handles its frames. */
  attach(ws: WebSocket, remote: string): void {
    const s = new Session(ws, remote, this.opts.rate ?? { perSecond: 500, burst: 2000 });
    this.all.add(s);
    s.send({
      case: 'challenge',
      value: { nonce: s.nonce, protocolVersion: PROTOCOL_VERSION, maxFrameBytes: this.maxFrameBytes },
    });
    ws.on('message', (data, isBinary) => {
      if (!s.bucket.take()) {
        if (++s.limited > 200) s.close(CLOSE.protocol, 'rate limit exceeded');
        else
          this.refuse(
            s,
            'E_RATE_LIMITED',
            `more than ${s.bucket.perSecond} frames/s (burst ${s.bucket.burst}); frame dropped`,
          );
        return;
      }
      s.limited = 0;
      let frame: Frame;
      try {
        frame = decodeFrame(isBinary ? asBytes(data) : String(data), this.maxFrameBytes);
      } catch (e) {
        const { code, message } = errorInfo(e);
        this.refuse(s, code, message, '', !s.ready);
        return;
      }
      s.chain = s.chain
        .then(() => this.handle(s, frame))
        .catch((e) => {
          const { code, message } = errorInfo(e);
          this.refuse(s, code, message, '', !s.ready);
        });
    });
    const helloTimer = setTimeout(() => {
      if (!s.ready) this.refuse(s, 'E_AUTH', `no Hello within ${this.opts.helloTimeoutMs ?? 10_000} ms`, '', true);
    }, this.opts.helloTimeoutMs ?? 10_000);
    ws.on('close', () => {
      clearTimeout(helloTimer);
      this.detach(s);
    });
    ws.on('error', (e: Error & { code?: string }) => {
      // ws closes the connection itself (1009 for a frame over maxPayload); record why.
      const code = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'E_TOO_LARGE' : 'E_SOCKET';
      this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
      this.log(`connection ${s.clientId ?? s.remote} closed: ${code} ${e.message}`);
    });
  }

  private refuse(s: Session, code: string, message: string, ref = '', fatal = false): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
    this.log(`refused ${s.clientId ?? s.remote}: ${code} ${message}`);
    this.emit({ type: 'rejected', code, message, remote: s.remote, ...(s.clientId ? { clientId: s.clientId } : {}) });
    s.refuse(code, message, ref, fatal);
    if (fatal)
      s.close(code === 'E_AUTH' || code === 'E_SIGNATURE' ? CLOSE.auth : CLOSE.protocol, `${code}: ${message}`);
  }

  private detach(s: Session): void {
    s.closed = true;
    this.all.delete(s);
    const id = s.clientId;
    if (!id || this.sessions.get(id) !== s) return;
    this.sessions.delete(id);
    this.emit({ type: 'offline', clientId: id });
    this.notify();
    this.tasks.clientGone(id);
  }

  private async handle(s: Session, f: Frame): Promise<void> {
    if (!s.ready) {
      if (f.case !== 'hello') throw new FederaError('E_AUTH', `'${f.case}' before Hello: authenticate first`);
      await this.hello(s, f.value);
      return;
    }
    switch (f.case) {
      case 'want':
        await this.want(s, f.value);
        return;
      case 'chunk':
        this.chunk(s, f.value);
        return;
      case 'reply':
        await this.reply(s, f.value);
        return;
      case 'ping':
        return;
      default:
        throw new FederaError('E_FRAME', `a client may not send '${f.case}'`);
    }
  }

  private async hello(s: Session, h: FrameOf<'hello'>): Promise<void> {
    const { key, numExamples, enrolled } = await authenticate(
      h,
      s.nonce,
      this.opts.store,
      this.opts.auth,
      this.tokenOwners,
    );
    if (enrolled) {
      this.lastSeq.set(h.name, 0);
      this.emit({ type: 'enrolled', clientId: h.name });
      this.log(`enrolled ${h.name} from ${s.remote}`);
    }
    const old = this.sessions.get(h.name);
    if (old && old !== s) {
      this.sessions.delete(h.name);
      old.close(CLOSE.replaced, 'the same client connected again');
    }
    s.clientId = h.name;
    s.key = key;
    // The rate limit follows the client across reconnects (reconnecting does not refill it).
    const bucket = this.buckets.get(h.name) ?? s.bucket;
    this.buckets.set(h.name, bucket);
    s.bucket = bucket;
    this.numExamples.set(h.name, numExamples);
    this.sessions.set(h.name, s);
    s.send({
      case: 'welcome',
      value: {
        clientId: h.name,
        runId: this.runId,
        lastSeq: BigInt(this.lastSeq.get(h.name) ?? 0),
        chunkBytes: this.chunkBytes,
        uploads: this.uploads.inProgress(h.name),
        modelJson: this.opts.model ? JSON.stringify(this.opts.model) : '',
      },
    });
    this.emit({ type: 'online', clientId: h.name, ...(numExamples ? { numExamples } : {}) });
    this.notify();
    for (const t of this.tasks.clientBack(h.name)) this.sendTask(s, t);
  }

  private sendTask(s: Session, t: PendingTask): void {
    s.send({
      case: 'task',
      value: {
        taskId: t.id,
        runId: this.runId,
        round: t.round,
        kind: TASK_KINDS[t.kind],
        config: configToWire(t.config),
        weightsId: t.blob?.id ?? '',
        weightsBytes: BigInt(t.blob?.bytes.byteLength ?? 0),
        weightsSha256: t.blob?.sha256 ?? new Uint8Array(),
        deadlineMs: t.deadlineMs,
        ...(t.secagg ? { secagg: t.secagg } : {}),
      },
    });
  }

  private async want(s: Session, w: FrameOf<'want'>): Promise<void> {
    const id = s.clientId as string;
    const t = this.tasks.of(id).find((t) => t.blob?.id === w.transferId);
    if (!t?.blob)
      throw new FederaError('E_UNKNOWN_TRANSFER', `no open task of '${id}' carries transfer '${w.transferId}'`);
    const from = safeNumber(w.offset, 'offset');
    for (const { frame, bytes } of blobFrames(t.blob, this.chunkBytes, from)) {
      if (s.closed) return;
      s.sendBytes(frame);
      t.bytesDown += bytes;
      await s.drain();
    }
  }

  private chunk(s: Session, c: FrameOf<'chunk'>): void {
    const taskId = c.transferId.startsWith('u-') ? c.transferId.slice(2) : '';
    this.uploads.add(s.clientId as string, this.tasks.get(taskId), c);
  }

  private maxUpdateBytes(t: PendingTask): number {
    return t.maxUploadBytes ?? this.opts.maxUpdateBytes ?? 2 * (t.blob?.bytes.byteLength ?? 0) + (1 << 20);
  }

  private async reply(s: Session, r: FrameOf<'reply'>): Promise<void> {
    const id = s.clientId as string;
    const checked = await checkReply({
      reply: r,
      clientId: id,
      key: s.key as CryptoKey,
      runId: this.runId,
      lastSeq: this.lastSeq.get(id) ?? 0,
      task: (taskId) => {
        const t = this.tasks.get(taskId);
        return t && t.clientId === id ? t : undefined;
      },
      upload: (updateId) => this.uploads.get(id, updateId),
      maxUpdateBytes: (t) => this.maxUpdateBytes(t),
    });
    // Authentic, fresh and addressed to an open task: the sequence number is spent even if the content is refused.
    this.lastSeq.set(id, checked.seq);
    await this.opts.store.touchClient(id, checked.seq);
    const t = checked.task;
    this.uploads.delete(id, `u-${t.id}`);
    if (checked.updateHash) t.updateHash = checked.updateHash;
    if (checked.outcome.ok) s.send({ case: 'ack', value: { taskId: t.id, seq: BigInt(checked.seq) } });
    else if (checked.invalid) this.refuse(s, checked.outcome.error.code, checked.outcome.error.message, t.id);
    t.settle(checked.outcome);
  }

  /**
   * Sends each instruction to its client and yields one Outcome per instruction (see the Grid
   * contract). A client offline when asked gets the task when it comes back, within the grace
   * period; `opts.deadlineMs` bounds the whole exchange.
   */
  dispatch<R extends TrainRes | EvaluateRes>(
    ins: readonly (TrainIns | EvaluateIns)[],
    kind: 'train' | 'evaluate',
    opts: SendOptions = {},
  ): AsyncIterable<Outcome<R>> {
    return settleInOrder<R>(ins.length, this.opts.order ?? 'instruction', (deliver) => {
      ins.forEach((i, k) => {
        void this.blobs
          .get(i.weights, i.round)
          .then((blob) =>
            this.tasks.open<R>(
              { clientId: i.clientId, round: i.round, kind, config: i.config, blob, weights: i.weights },
              opts,
              (o) => deliver(k, o),
            ),
          );
      });
    });
  }

  /**
   * Sends each client one step of a secure-aggregation session (TASK_KIND_SECAGG) and yields
   * one Outcome per request, in request order: the client's signed SecAgg answer with its
   * upload (the masked input), or a failure. `maxUploadBytes` bounds the upload.
   */
  exchange(
    round: number,
    requests: readonly { readonly clientId: string; readonly secagg: WireSecAggRequest }[],
    opts: SendOptions & { readonly maxUploadBytes?: number } = {},
  ): AsyncIterable<Outcome<SecAggAnswer>> {
    return settleInOrder<SecAggAnswer>(requests.length, 'instruction', (deliver) => {
      for (const [k, r] of requests.entries()) {
        this.tasks.open<SecAggAnswer>(
          {
            clientId: r.clientId,
            round,
            kind: 'secagg',
            config: {},
            blob: undefined,
            weights: undefined,
            secagg: r.secagg,
            maxUploadBytes: opts.maxUploadBytes ?? 0,
          },
          opts,
          (o) => deliver(k, o),
        );
      }
    });
  }

  /** Fails every open task, and closes every connection with `code`. */
  shutdown(code: number, reason: string): void {
    this.tasks.failAll({ code: 'E_SHUTDOWN', message: reason });
    for (const s of [...this.all]) s.close(code, reason);
  }
}
