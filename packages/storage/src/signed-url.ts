import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a local pre-signed URL allows: one method on one key until `expiresAt`; an upload also
 * fixes the content type and the exact size. The local adapter's answer to S3's pre-signed URLs:
 * the API serves them (`?token=`), the HMAC proves the API issued them.
 */
export interface SignedGrant {
  method: 'PUT' | 'GET';
  key: string;
  expiresAt: Date;
  contentType?: string;
  size?: number;
}

interface GrantFields {
  m: 'PUT' | 'GET';
  k: string;
  e: number;
  t?: string;
  s?: number;
}

const mac = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/** `<payload>.<hmac>`, both base64url: a query-string value. */
export function signGrant(secret: string, grant: SignedGrant): string {
  const fields: GrantFields = {
    m: grant.method,
    k: grant.key,
    e: Math.floor(grant.expiresAt.getTime() / 1000),
    ...(grant.contentType === undefined ? {} : { t: grant.contentType }),
    ...(grant.size === undefined ? {} : { s: grant.size }),
  };
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/**
 * The grant of a token this secret signed, or undefined when the token is malformed, forged,
 * altered or expired.
 */
export function verifyGrant(secret: string, token: string, now = new Date()): SignedGrant | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let fields: GrantFields;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as GrantFields;
  } catch {
    return undefined;
  }
  if ((fields.m !== 'PUT' && fields.m !== 'GET') || typeof fields.k !== 'string') return undefined;
  if (typeof fields.e !== 'number' || fields.e * 1000 <= now.getTime()) return undefined;
  return {
    method: fields.m,
    key: fields.k,
    expiresAt: new Date(fields.e * 1000),
    ...(typeof fields.t === 'string' ? { contentType: fields.t } : {}),
    ...(typeof fields.s === 'number' ? { size: fields.s } : {}),
  };
}
