import { FederaError } from '@federa/core';

/**
 * The part of the WHATWG WebSocket that federa uses. Browsers' global `WebSocket` and the
 * `ws` package's WebSocket both fit, so the client runtime runs in either.
 */
export interface WireSocket {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Opens a socket to `url` (a small injected factory: the global WebSocket in browsers, `ws` in Node). */
export type SocketFactory = (url: string) => WireSocket;

/** WebSocket.OPEN. */
export const OPEN = 1;

/** Close codes federa's server uses (4000–4999 is the application range). */
export const CLOSE = {
  /** The run is over: do not reconnect. */
  finished: 4000,
  /** Authentication failed (bad token, key or signature): do not reconnect. */
  auth: 4001,
  /** Protocol violation (malformed frames before authentication, rate limit abuse). */
  protocol: 4002,
  /** The same client connected again elsewhere; this older connection is replaced. */
  replaced: 4003,
  /** The server is shutting down (reconnect later). */
  shutdown: 4004,
} as const;

/** The global WebSocket as a factory (browsers, Node ≥ 22); throws E_PLATFORM when there is none. */
export function globalSocketFactory(): SocketFactory {
  const W = (globalThis as { WebSocket?: new (url: string) => WireSocket }).WebSocket;
  if (!W) {
    throw new FederaError(
      'E_PLATFORM',
      'there is no global WebSocket here',
      'pass a socket factory (in Node: nodeSocketFactory() from @federa/client)',
    );
  }
  return (url) => new W(url);
}
