// A real Web Push service for tests: node:http on an ephemeral port that does what a push service
// must — checks the VAPID JWT (ES256 over `Authorization: vapid t=…, k=…` with the key in `k`,
// RFC 8292) — and what the browser then does: decrypts the aes128gcm record with the
// subscription's private key and auth secret (RFC 8291). Each subscription is a browser key pair
// made here with node:crypto ECDH. Answers are scripted per subscription (e.g. 500 then 201).
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A browser's subscription: what it registers, and the private half it decrypts with. */
export interface BrowserSubscription {
  endpoint: string;
  p256dhKey: string;
  authKey: string;
  /** the ECDH private key (never sent) */
  privateKey: Buffer;
  publicKey: Buffer;
  authSecret: Buffer;
}

/** One request the push service received, checked and (when it was answered 2xx) decrypted. */
export interface ReceivedPush {
  endpoint: string;
  status: number;
  headers: IncomingMessage['headers'];
  /** why the VAPID check failed; undefined when it passed */
  vapidProblem?: string;
  claims?: { aud: string; exp: number; sub: string };
  vapidKey?: string;
  /** the decrypted message, parsed as JSON */
  message?: unknown;
  decryptProblem?: string;
}

function base64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The VAPID header checked: `vapid t=<jwt>, k=<public key>`, an ES256 signature made with that key. */
function checkVapid(authorization: string | undefined, origin: string) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) return { problem: `not a vapid authorization: ${authorization}` };
  const [, jwt = '', key = ''] = match;
  const [header = '', claims = '', signature = ''] = jwt.split('.');
  const point = Buffer.from(key, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return { problem: 'k is not an uncompressed P-256 point' };
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const head = base64urlJson(header);
  if (head.alg !== 'ES256' || head.typ !== 'JWT') return { problem: `JWT header ${JSON.stringify(head)}` };
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return { problem: 'the JWT signature does not verify with k' };
  const body = base64urlJson(claims) as { aud: string; exp: number; sub: string };
  const now = Date.now() / 1000;
  if (body.aud !== origin) return { problem: `aud ${body.aud}, expected ${origin}` };
  if (!(body.exp > now && body.exp <= now + 24 * 60 * 60 + 60)) return { problem: `exp ${body.exp}` };
  return { claims: body, key };
}

/** RFC 8291 + RFC 8188: one aes128gcm record decrypted with the browser's keys. */
export function decryptPush(body: Buffer, subscription: BrowserSubscription): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body[20] ?? 0;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(subscription.privateKey);
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscription.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, subscription.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // the last record ends with the delimiter 0x02, then zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

export interface PushServiceServer {
  url: string;
  received: ReceivedPush[];
  /** a new browser subscription at this service */
  subscription(): BrowserSubscription;
  /** the statuses the next requests to `endpoint` are answered with, in order (201 after them) */
  script(endpoint: string, statuses: number[]): void;
  receivedAt(endpoint: string): ReceivedPush[];
  close(): Promise<void>;
}

export async function startPushService(): Promise<PushServiceServer> {
  const received: ReceivedPush[] = [];
  const browsers = new Map<string, BrowserSubscription>();
  const scripts = new Map<string, number[]>();
  let sequence = 0;
  let base = '';

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const endpoint = `${base}${request.url}`;
      const browser = browsers.get(endpoint);
      const status = scripts.get(endpoint)?.shift() ?? (browser ? 201 : 404);
      const entry: ReceivedPush = { endpoint, status, headers: request.headers };
      const vapid = checkVapid(request.headers.authorization, base);
      entry.vapidProblem = vapid.problem;
      entry.claims = vapid.claims;
      entry.vapidKey = vapid.key;
      if (browser && status >= 200 && status < 300) {
        try {
          entry.message = JSON.parse(decryptPush(Buffer.concat(chunks), browser).toString('utf8'));
        } catch (error) {
          entry.decryptProblem = String(error);
        }
      }
      received.push(entry);
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status >= 400 ? `scripted ${status}` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    received,
    subscription() {
      sequence += 1;
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const browser: BrowserSubscription = {
        endpoint: `${base}/push/${sequence}-${randomBytes(6).toString('hex')}`,
        publicKey: ecdh.getPublicKey(),
        privateKey: ecdh.getPrivateKey(),
        authSecret: randomBytes(16),
        p256dhKey: '',
        authKey: '',
      };
      browser.p256dhKey = browser.publicKey.toString('base64url');
      browser.authKey = browser.authSecret.toString('base64url');
      browsers.set(browser.endpoint, browser);
      return browser;
    },
    script(endpoint, statuses) {
      scripts.set(endpoint, [...statuses]);
    },
    receivedAt(endpoint) {
      return received.filter((entry) => entry.endpoint === endpoint);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
