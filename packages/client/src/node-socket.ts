import { WebSocket } from 'ws';
import type { SocketFactory, WireSocket } from './socket.js';

/**
 * Sockets from the `ws` package (Node). `ca` trusts a self-signed server certificate (PEM);
 * `rejectUnauthorized: false` skips certificate checks (tests only).
 */
export function nodeSocketFactory(
  opts: { ca?: string | Buffer; rejectUnauthorized?: boolean; maxPayload?: number } = {},
): SocketFactory {
  return (url) =>
    new WebSocket(url, {
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      maxPayload: opts.maxPayload ?? 64 << 20,
      perMessageDeflate: false,
    }) as unknown as WireSocket;
}
