// Real Socket.IO clients for the chat tests, connected as the storefront connects (namespace
// /chat, WebSocket only, the access token in `auth.token`).
import { waitFor } from '@pbshop/testing';
import { io, type Socket } from 'socket.io-client';

export interface AckAnswer {
  ok: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string; details?: unknown };
}

/** A connected client; rejects with the handshake's refusal (`err.message` is the error code). */
export function connectChat(baseUrl: string, token: string | undefined): Promise<Socket> {
  const socket = io(`${baseUrl}/chat`, {
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Emits with an ack callback and answers what the server acknowledged. */
export function emitAck(socket: Socket, event: string, payload: unknown): Promise<AckAnswer> {
  return socket.timeout(5_000).emitWithAck(event, payload) as Promise<AckAnswer>;
}

/** Collects every `event` the socket receives, to wait on with `until`. */
export function collect<T = Record<string, unknown>>(socket: Socket, event: string) {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return {
    received,
    /** the first received payload matching `match`, waiting up to `timeoutMs` for it */
    until(match: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
      return waitFor(`${event} matching`, () => received.find(match), timeoutMs, 10);
    },
  };
}

/** Resolves when the socket is disconnected (with the reason), or rejects after `timeoutMs`. */
export function disconnected(socket: Socket, timeoutMs = 5_000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}
