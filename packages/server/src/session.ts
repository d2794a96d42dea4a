import { randomBytes } from 'node:crypto';
import { encodeFrame, type FrameInit } from '@federa/client';
import type { WebSocket } from 'ws';
import { TokenBucket } from './auth.js';

/** One WebSocket connection: before Hello it only holds the challenge; after, the client's key. */
export class Session {
  readonly nonce = new Uint8Array(randomBytes(32));
  clientId: string | undefined;
  key: CryptoKey | undefined;
  /** The connection's frame budget; once authenticated, the client's own (shared by its reconnects). */
  bucket: TokenBucket;
  /** Frames are handled one after another (a Reply after the chunks before it). */
  chain: Promise<void> = Promise.resolve();
  limited = 0;
  closed = false;

  constructor(
    readonly ws: WebSocket,
    readonly remote: string,
    rate: { perSecond: number; burst: number },
  ) {
    this.bucket = new TokenBucket(rate.perSecond, rate.burst);
  }

  get ready(): boolean {
    return this.clientId !== undefined && !this.closed;
  }

  send(f: FrameInit): void {
    if (this.closed || this.ws.readyState !== 1) return;
    this.ws.send(encodeFrame(f));
  }

  /** Sends an already encoded frame. */
  sendBytes(frame: Uint8Array): void {
    if (this.closed || this.ws.readyState !== 1) return;
    this.ws.send(frame);
  }

  refuse(code: string, message: string, ref = '', fatal = false): void {
    this.send({ case: 'error', value: { code, message, ref, fatal } });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason.slice(0, 120));
  }

  /** Waits until the socket has sent most of what is queued (backpressure while streaming chunks). */
  async drain(limit = 16 << 20): Promise<void> {
    while (!this.closed && this.ws.readyState === 1 && this.ws.bufferedAmount > limit) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}
