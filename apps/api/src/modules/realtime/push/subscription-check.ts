import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const ENDPOINT_MAX_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** the bytes of a base64url text (padding tolerated), or undefined when it is not base64url */
function base64urlBytes(value: string): Buffer | undefined {
  if (!BASE64URL.test(value)) return undefined;
  return Buffer.from(value.replace(/=+$/, ''), 'base64url');
}

/**
 * Why a subscription cannot be used, or undefined when it can. The endpoint is where this server
 * will POST, so only https to a named host is admitted (push services have DNS names; an IP
 * literal or localhost would point the server at itself or its network); `allowLoopbackHttp`
 * admits http:// on the loopback host for tests and local push servers.
 */
export function endpointProblem(endpoint: string, allowLoopbackHttp: boolean): string | undefined {
  if (endpoint.length > ENDPOINT_MAX_LENGTH) return `endpoint longer than ${ENDPOINT_MAX_LENGTH} characters`;
  // what the browser gives is an absolute URL as text: no spaces, no control characters (nor NUL)
  if (/[\s\p{Cc}]/u.test(endpoint)) return 'endpoint contains spaces or control characters';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (url.username || url.password) return 'endpoint carries credentials';
  if (url.hash) return 'endpoint has a fragment';
  if (allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.protocol !== 'https:') return 'endpoint is not https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || host === 'localhost' || !host.includes('.')) {
    return 'endpoint host is not a public host name';
  }
  return undefined;
}

/**
 * Why the keys cannot encrypt a push (RFC 8291), or undefined: p256dh is the base64url of an
 * uncompressed P-256 point (65 bytes, 0x04 first) that lies on the curve; auth is 16 bytes.
 */
export function keysProblem(p256dhKey: string, authKey: string): string | undefined {
  const point = base64urlBytes(p256dhKey);
  if (point?.length !== 65 || point[0] !== 0x04) {
    return 'p256dhKey is not the base64url of a 65-byte uncompressed P-256 point';
  }
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    return 'p256dhKey is not a point on P-256';
  }
  const auth = base64urlBytes(authKey);
  if (auth?.length !== 16) return 'authKey is not the base64url of 16 bytes';
  return undefined;
}

/** `expirationTime` as a date: epoch milliseconds in a string; null for none, 'invalid' otherwise. */
export function expirationOf(value: string | null | undefined): Date | null | 'invalid' {
  if (value === undefined || value === null || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) return 'invalid';
  const date = new Date(Number(value));
  return Number.isNaN(date.getTime()) ? 'invalid' : date;
}
