import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type Client,
  decodeWeights,
  errorInfo,
  FederaError,
  type Metrics,
  type SecAggCrypto,
  SecAggParticipant,
  type Weights,
} from '@federa/core';
import { ReplyBodySchema, type Task, TaskKind, type Welcome } from './gen/federa_pb.js';
import { DEFAULT_MAX_FRAME_BYTES, decodeFrame, encodeFrame, type Frame, type FrameInit } from './protocol/frames.js';
import { equalBytes, generateIdentity, helloSigningBytes, type Identity, sha256, sign } from './protocol/signing.js';
import { Assembler, chunkFrames, safeNumber } from './protocol/transfer.js';
import { CLOSE, globalSocketFactory, OPEN, type SocketFactory, type WireSocket } from './socket.js';
import { doTask, type TaskResult, taskKindName } from './work.js';

/** What the server said when it accepted this client. */
export interface WelcomeInfo {
  readonly clientId: string;
  readonly runId: string;
  /** The model to build: `{ name, options }` as the server's config says. */
  readonly model: { readonly name: string; readonly options?: Record<string, unknown> } | undefined;
}

/** What a FederaClient reports as it works (for logs and UIs). */
export type ClientEvent =
  | { readonly type: 'connected'; readonly welcome: WelcomeInfo }
  | {
      readonly type: 'task';
      readonly runId: string;
      readonly round: number;
      readonly kind: 'train' | 'evaluate' | 'secagg';
    }
  | {
      readonly type: 'replied';
      readonly round: number;
      readonly kind: 'train' | 'evaluate' | 'secagg';
      readonly metrics: Metrics;
    }
  | { readonly type: 'accepted'; readonly taskId: string }
  | { readonly type: 'refused'; readonly code: string; readonly message: string }
  | { readonly type: 'disconnected'; readonly code: number; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'finished'; readonly reason: string };

export interface FederaClientOptions {
  /** ws:// or wss:// URL of the server's socket (e.g. ws://host:8080/ws). */
  readonly url: string;
  /** The id to be known by; bound to this client's key at enrolment. */
  readonly name: string;
  /** Enrolment token (or the shared enrolment secret); needed the first time. */
  readonly token?: string;
  /** The client's Ed25519 key (default: a fresh one; keep it to stay the same client across restarts). */
  readonly identity?: Identity;
  /** Local training examples (told to the server). */
  readonly numExamples?: number;
  /** Does the local work: a Client, or a factory called once the server has said which model to build. */
  readonly client: Client | ((welcome: WelcomeInfo) => Client | Promise<Client>);
  /** Opens sockets (default: the global WebSocket). In Node pass `nodeSocketFactory()`. */
  readonly socket?: SocketFactory;
  /** Reconnect backoff: first delay, cap (ms). Defaults 200 and 10,000; the delay doubles, with ±20 % jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Largest frame accepted from the server (default 1 MiB + 64 KiB; the server's Challenge may raise it). */
  readonly maxFrameBytes?: number;
  readonly onEvent?: (e: ClientEvent) => void;
  /** Secure aggregation's cryptographic primitives (default WebCrypto; in Node `nodeSecAggCrypto` is ~4× faster). */
  readonly secAggCrypto?: SecAggCrypto;
}

/**
 * The client side of federa's network protocol, isomorphic (browser tab or Node): connects,
 * proves its identity (Ed25519 over the server's challenge; an enrolment token the first
 * time), then runs each task the server sends through the local `Client` and answers with a
 * signed reply. Weights and updates travel in chunks; after a broken connection it reconnects
 * with exponential backoff, resumes half-done transfers from their offsets and answers the
 * current round's task again. `finished` resolves when the server ends the run (close 4000)
 * and rejects when the server refuses this client (close 4001).
 *
 * @example
 * const c = new FederaClient({ url: 'ws://localhost:8080/ws', name: 'hospital-a', token, client, socket: nodeSocketFactory() });
 * c.start();
 * await c.finished;
 */
export class FederaClient {
  readonly finished: Promise<string>;
  private resolveFinished!: (reason: string) => void;
  private rejectFinished!: (e: Error) => void;
  private readonly factory: SocketFactory;
  private identity: Identity | undefined;
  private ws: WireSocket | undefined;
  private welcome: Welcome | undefined;
  private local: Client | undefined;
  private localReady: Promise<Client> | undefined;
  private seq = 0;
  private stopped = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private maxFrame: number;
  private chunkBytes = 1 << 20;
  /** Weights being downloaded or held, by transfer id (the last few). */
  private readonly downloads = new Map<string, Assembler>();
  /** Tasks waiting for a download to complete, by transfer id (two tasks may share one model). */
  private readonly waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }[]>();
  private readonly results = new Map<string, TaskResult>();
  private secagg: SecAggParticipant | undefined;
  private readonly running = new Set<string>();
  private uploadsFrom = new Map<string, number>();

  constructor(private readonly opts: FederaClientOptions) {
    if (!opts.name || opts.name.length > 128)
      throw new FederaError('E_ARG', `client name must be 1 to 128 characters, got '${opts.name}'`);
    this.factory = opts.socket ?? globalSocketFactory();
    this.identity = opts.identity;
    this.maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.finished = new Promise((res, rej) => {
      this.resolveFinished = res;
      this.rejectFinished = rej;
    });
    this.finished.catch(() => {});
  }

  /** Connects (and keeps reconnecting until the run ends or `stop` is called). */
  start(): void {
    void this.connect();
  }

  /** Closes the connection and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'client stopped');
    this.resolveFinished('stopped');
  }

  /** The id the server knows this client by (after the first Welcome). */
  get clientId(): string | undefined {
    return this.welcome?.clientId;
  }

  private emit(e: ClientEvent): void {
    this.opts.onEvent?.(e);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.identity ??= await generateIdentity();
    let ws: WireSocket;
    try {
      ws = this.factory(this.opts.url);
    } catch (e) {
      this.retry(1006, e instanceof Error ? e.message : String(e));
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      let frame: Frame;
      try {
        frame = decodeFrame(ev.data, this.maxFrame);
      } catch (e) {
        this.emit({ type: 'refused', ...errorInfo(e) });
        return;
      }
      this.onFrame(ws, frame).catch((e) => this.emit({ type: 'refused', ...errorInfo(e) }));
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = undefined;
      for (const w of [...this.waiting.values()].flat())
        w.reject(new FederaError('E_DISCONNECTED', 'connection closed'));
      this.waiting.clear();
      if (ev.code === CLOSE.finished) {
        this.stopped = true;
        this.emit({ type: 'finished', reason: ev.reason });
        this.resolveFinished(ev.reason || 'finished');
      } else if (ev.code === CLOSE.auth) {
        this.stopped = true;
        this.rejectFinished(
          new FederaError(
            'E_AUTH',
            `server refused this client: ${ev.reason}`,
            'check the token and that this name is not enrolled with another key',
          ),
        );
      } else {
        this.retry(ev.code, ev.reason);
      }
    };
    ws.onerror = () => {};
  }

  private retry(code: number, reason: string): void {
    if (this.stopped) return;
    const b = this.opts.backoff ?? {};
    const base = Math.min((b.initialMs ?? 200) * 2 ** this.attempts, b.maxMs ?? 10_000);
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.attempts++;
    this.emit({ type: 'disconnected', code, reason, retryInMs: delay });
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private send(ws: WireSocket, f: FrameInit): void {
    if (ws.readyState !== OPEN || ws !== this.ws) throw new FederaError('E_DISCONNECTED', 'connection closed');
    ws.send(encodeFrame(f));
  }

  private async onFrame(ws: WireSocket, f: Frame): Promise<void> {
    switch (f.case) {
      case 'challenge': {
        const id = this.identity as Identity;
        this.maxFrame = Math.max(this.maxFrame, f.value.maxFrameBytes);
        const signature = await sign(id, helloSigningBytes(f.value.nonce, this.opts.name, id.publicRaw));
        const have = [...this.downloads.values()].map((a) => ({ transferId: a.id, offset: BigInt(a.received) }));
        this.send(ws, {
          case: 'hello',
          value: {
            name: this.opts.name,
            publicKey: id.publicRaw,
            token: this.opts.token ?? '',
            signature,
            numExamples: BigInt(this.opts.numExamples ?? 0),
            have,
          },
        });
        return;
      }
      case 'welcome': {
        this.welcome = f.value;
        this.attempts = 0;
        this.seq = Math.max(this.seq, safeNumber(f.value.lastSeq, 'last_seq'));
        this.chunkBytes = f.value.chunkBytes || this.chunkBytes;
        this.uploadsFrom = new Map(f.value.uploads.map((u) => [u.transferId, safeNumber(u.offset, 'upload offset')]));
        const info = welcomeInfo(f.value);
        // Frames are not serialised by the socket: a task may arrive while an async client
        // factory is still running, so work() awaits the same promise.
        const make = this.opts.client;
        this.localReady ??= Promise.resolve(typeof make === 'function' ? make(info) : make);
        this.local = await this.localReady;
        this.emit({ type: 'connected', welcome: info });
        return;
      }
      case 'task':
        await this.onTask(ws, f.value);
        return;
      case 'chunk': {
        const a = this.downloads.get(f.value.transferId);
        if (!a) throw new FederaError('E_CHUNK', `chunk for unknown transfer '${f.value.transferId}'`);
        if (a.add(safeNumber(f.value.offset, 'offset'), safeNumber(f.value.total, 'total'), f.value.data)) {
          for (const w of this.waiting.get(a.id) ?? []) w.resolve();
          this.waiting.delete(a.id);
        }
        return;
      }
      case 'ack':
        this.results.delete(f.value.taskId);
        this.emit({ type: 'accepted', taskId: f.value.taskId });
        return;
      case 'error':
        this.emit({ type: 'refused', code: f.value.code, message: f.value.message });
        return;
      case 'ping':
        this.send(ws, { case: 'ping', value: { timeMs: f.value.timeMs } });
        return;
      default:
        throw new FederaError('E_FRAME', `unexpected '${f.case}' frame from the server`);
    }
  }

  private async onTask(ws: WireSocket, t: Task): Promise<void> {
    if (this.running.has(t.taskId)) return; // already working on it; the answer goes out on the live connection
    this.running.add(t.taskId);
    try {
      let r = this.results.get(t.taskId);
      if (!r) {
        const kind = taskKindName(t.kind);
        this.emit({ type: 'task', runId: t.runId, round: t.round, kind });
        const weights = t.kind === TaskKind.SECAGG ? undefined : await this.fetchWeights(ws, t);
        r = await this.work(t, weights);
        this.results.set(t.taskId, r);
        while (this.results.size > 4) this.results.delete(this.results.keys().next().value as string);
        this.emit({ type: 'replied', round: t.round, kind, metrics: r.metrics });
      }
      await this.reply(t, r);
    } catch (e) {
      if (!(e instanceof FederaError && e.code === 'E_DISCONNECTED')) throw e;
      // The server sends the task again when this client is back.
    } finally {
      this.running.delete(t.taskId);
    }
  }

  private async fetchWeights(ws: WireSocket, t: Task): Promise<Weights> {
    const total = safeNumber(t.weightsBytes, 'weights_bytes');
    let a = this.downloads.get(t.weightsId);
    if (!a || a.total !== total) {
      a = new Assembler(t.weightsId, total, total);
      this.downloads.set(t.weightsId, a);
      while (this.downloads.size > 2) this.downloads.delete(this.downloads.keys().next().value as string);
    }
    if (!a.done) {
      const waiters = this.waiting.get(t.weightsId) ?? [];
      const asked = waiters.length > 0; // another task already asked for these weights on this connection
      const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      this.waiting.set(t.weightsId, waiters);
      done.catch(() => {}); // if the send below throws, the close handler rejects `done` with nobody awaiting it
      if (!asked) this.send(ws, { case: 'want', value: { transferId: t.weightsId, offset: BigInt(a.received) } });
      await done;
    }
    const bytes = a.bytes();
    if (!equalBytes(await sha256(bytes), t.weightsSha256)) {
      this.downloads.delete(t.weightsId);
      throw new FederaError(
        'E_CHECKSUM',
        `weights '${t.weightsId}' do not match their SHA-256`,
        'the transfer was corrupted; it is fetched again',
      );
    }
    return decodeWeights(bytes, { maxBytes: total, copy: true }).weights;
  }

  private async work(t: Task, weights: Weights | undefined): Promise<TaskResult> {
    const local = this.local ?? (await this.localReady);
    if (!local) throw new FederaError('E_STATE', 'a task arrived before the server welcomed this client');
    const clientId = this.welcome?.clientId ?? this.opts.name;
    this.secagg ??= new SecAggParticipant(clientId, this.opts.secAggCrypto ? { crypto: this.opts.secAggCrypto } : {});
    return doTask(local, this.secagg, t, weights, clientId);
  }

  private async reply(t: Task, r: TaskResult): Promise<void> {
    const ws = this.ws;
    if (!ws) throw new FederaError('E_DISCONNECTED', 'connection closed');
    const updateId = `u-${t.taskId}`;
    if (r.upload) {
      for (const f of chunkFrames(updateId, r.upload, this.chunkBytes, this.uploadsFrom.get(updateId) ?? 0)) {
        this.send(ws, f);
        await drain(ws);
      }
      this.uploadsFrom.delete(updateId);
    }
    const body = toBinary(
      ReplyBodySchema,
      create(ReplyBodySchema, {
        runId: t.runId,
        round: t.round,
        clientId: this.welcome?.clientId ?? '',
        seq: BigInt(++this.seq),
        taskId: t.taskId,
        kind: r.kind,
        updateId: r.upload ? updateId : '',
        updateBytes: BigInt(r.upload?.byteLength ?? 0),
        updateSha256: r.uploadSha ?? new Uint8Array(),
        numExamples: BigInt(r.numExamples),
        metrics: r.metrics,
        loss: r.loss,
        errorCode: r.error?.code ?? '',
        errorMessage: r.error?.message ?? '',
        ...(r.secagg ? { secagg: r.secagg } : {}),
      }),
    );
    const signature = await sign(this.identity as Identity, body);
    this.send(ws, { case: 'reply', value: { body, signature } });
  }
}

/** Waits until the socket's send buffer is below 8 MiB (backpressure for large uploads). */
async function drain(ws: WireSocket): Promise<void> {
  while (ws.readyState === OPEN && ws.bufferedAmount > 8 << 20) await new Promise((r) => setTimeout(r, 5));
}

function welcomeInfo(w: Welcome): WelcomeInfo {
  let model: WelcomeInfo['model'];
  if (w.modelJson) {
    try {
      model = JSON.parse(w.modelJson) as WelcomeInfo['model'];
    } catch {
      throw new FederaError('E_FRAME', 'Welcome.model_json is not JSON');
    }
  }
  return { clientId: w.clientId, runId: w.runId, model };
}

/** Decodes a ReplyBody (used by the server and by tests). */
export function decodeReplyBody(bytes: Uint8Array) {
  return fromBinary(ReplyBodySchema, bytes);
}
