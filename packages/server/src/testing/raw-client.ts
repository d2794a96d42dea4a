import { create, toBinary } from '@bufbuild/protobuf';
import {
  chunkFrames,
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameInit,
  generateIdentity,
  helloSigningBytes,
  type Identity,
  ReplyBodySchema,
  sha256,
  sign,
  type Task,
} from '@federa/client';
import { encodeWeights, type Weights } from '@federa/core';
import { WebSocket } from 'ws';

type Received = Frame & { case: NonNullable<Frame['case']> };

/** What a test reply says (defaults: the task's own round and id, signed with the client's key). */
interface ReplyOptions {
  readonly seq: number;
  readonly clientId: string;
  readonly round?: number;
  readonly taskId?: string;
  readonly signer?: Identity;
}

/** A hand-driven protocol client for tests: sends exactly what it is told, good or bad. */
export class RawClient {
  readonly frames: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (f: Received) => boolean; resolve: (f: Received) => void }[] = [];
  private readonly used = new Set<Received>();

  private constructor(
    readonly ws: WebSocket,
    readonly identity: Identity,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => {
      const f = decodeFrame(new Uint8Array(d), 1 << 30);
      this.frames.push(f);
      const w = this.waiters.find((x) => x.pred(f));
      if (w) {
        this.waiters = this.waiters.filter((x) => x !== w);
        this.used.add(f);
        w.resolve(f);
      }
    });
    this.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  }

  /** Opens a connection and waits for the challenge. */
  static async open(url: string, identity?: Identity): Promise<RawClient> {
    const id = identity ?? (await generateIdentity());
    const ws = new WebSocket(url, { maxPayload: 1 << 30 });
    const c = new RawClient(ws, id);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await c.next('challenge');
    return c;
  }

  /** Opens and says Hello (signed properly unless `badSignature`); resolves with the Welcome or Error frame. */
  static async hello(
    url: string,
    name: string,
    token: string,
    o: { identity?: Identity; badSignature?: boolean } = {},
  ): Promise<{ c: RawClient; answer: Received }> {
    const c = await RawClient.open(url, o.identity);
    const ch = c.frames.find((f) => f.case === 'challenge') as Extract<Received, { case: 'challenge' }>;
    const msg = helloSigningBytes(o.badSignature ? new Uint8Array(32) : ch.value.nonce, name, c.identity.publicRaw);
    const signature = await sign(c.identity, msg);
    c.send({ case: 'hello', value: { name, publicKey: c.identity.publicRaw, token, signature, numExamples: 10n } });
    const answer = await c.next((f) => f.case === 'welcome' || f.case === 'error');
    return { c, answer };
  }

  send(f: FrameInit): void {
    this.ws.send(encodeFrame(f));
  }

  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  /** The first frame not yet taken that matches `what` (each frame is taken once). */
  next(what: Received['case'] | ((f: Received) => boolean)): Promise<Received> {
    const pred = typeof what === 'string' ? (f: Received) => f.case === what : what;
    const f = this.frames.find((x) => !this.used.has(x) && pred(x));
    if (f) {
      this.used.add(f);
      return Promise.resolve(f);
    }
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** The next Error frame. */
  async error(): Promise<{ code: string; message: string }> {
    const f = await this.next('error');
    return f.value as { code: string; message: string };
  }

  /** Uploads `update` for `task` (chunks), returns the signed Reply frame (not yet sent). */
  async upload(task: Task, update: Weights | Uint8Array, o: ReplyOptions) {
    const bytes = update instanceof Uint8Array ? update : encodeWeights(update, { kind: 'update', round: task.round });
    for (const f of chunkFrames(`u-${task.taskId}`, bytes, 1 << 20)) this.send(f);
    return this.replyFor(task, bytes, o);
  }

  /** The signed Reply frame for an update already uploaded as `u-<task id>`. */
  async replyFor(task: Task, bytes: Uint8Array, o: ReplyOptions) {
    const body = toBinary(
      ReplyBodySchema,
      create(ReplyBodySchema, {
        runId: task.runId,
        round: o.round ?? task.round,
        clientId: o.clientId,
        seq: BigInt(o.seq),
        taskId: o.taskId ?? task.taskId,
        kind: task.kind,
        updateId: `u-${task.taskId}`,
        updateBytes: BigInt(bytes.byteLength),
        updateSha256: await sha256(bytes),
        numExamples: 10n,
        metrics: { loss: 1 },
      }),
    );
    const signature = await sign(o.signer ?? this.identity, body);
    return { case: 'reply', value: { body, signature } } as const satisfies FrameInit;
  }

  close(): void {
    this.ws.close();
  }
}
