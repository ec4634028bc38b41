import { createHmac } from 'node:crypto';
import { localStorage } from './local.ts';
import { s3Storage } from './s3.ts';
import type { Storage } from './storage.ts';

/** The env keys the storage is built from (a subset of @pbshop/config's Env). */
export interface StorageEnv {
  STORAGE_DRIVER: 'local' | 's3';
  STORAGE_DIR: string;
  /** signs local pre-signed URLs; derived from JWT_SECRET when unset */
  STORAGE_URL_SECRET?: string | undefined;
  JWT_SECRET: string;
  PUBLIC_BASE_URL: string;
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID?: string | undefined;
  S3_SECRET_ACCESS_KEY?: string | undefined;
  S3_FORCE_PATH_STYLE: boolean;
}

/** The API route (under PUBLIC_BASE_URL) that accepts and serves local pre-signed URLs. */
export const LOCAL_PRESIGNED_PATH = '/api/v1/media/presigned-object';

/**
 * The secret of local pre-signed URLs: STORAGE_URL_SECRET, else a key derived from JWT_SECRET
 * (never JWT_SECRET itself, so a URL signature can never pass for a token's).
 */
export function storageUrlSecret(env: Pick<StorageEnv, 'STORAGE_URL_SECRET' | 'JWT_SECRET'>): string {
  return (
    env.STORAGE_URL_SECRET ?? createHmac('sha256', env.JWT_SECRET).update('pbshop storage urls').digest('hex')
  );
}

/** STORAGE_DRIVER=local (STORAGE_DIR) or s3 (S3_*). */
export function storageFromEnv(env: StorageEnv): Storage {
  if (env.STORAGE_DRIVER === 's3') {
    if (!env.S3_ACCESS_KEY_ID || !env.S3_SECRET_ACCESS_KEY) {
      throw new Error('STORAGE_DRIVER=s3 needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
    }
    return s3Storage({
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    });
  }
  return localStorage({
    root: env.STORAGE_DIR,
    presign: {
      url: `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}${LOCAL_PRESIGNED_PATH}`,
      secret: storageUrlSecret(env),
    },
  });
}
