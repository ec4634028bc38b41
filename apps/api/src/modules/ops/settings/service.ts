import type { Logger } from '@pbshop/config';
import { appSettings, type Database } from '@pbshop/db';
import { eq, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { knownExtensions, type UploadPolicy } from '../../../http/uploads.ts';
import type { ReviewPolicy, UploadLimits } from './schemas.ts';

/** Defaults until an admin changes them (ADMN-10..13; contract NFR: image 5 / video 100 / audio 20 MB). */
export const defaultSettings = {
  'upload.extensions': [
    'jpg',
    'jpeg',
    'png',
    'webp',
    'gif',
    'mp4',
    'mov',
    'webm',
    'mp3',
    'm4a',
    'wav',
    'pdf',
  ],
  'upload.limits': { image: 5, video: 100, audio: 20 },
  'review.policy': { maxImageCount: 10, pointAmount: 500 },
} satisfies Record<string, unknown>;

/** Redis keeps a setting this long; changes replace it at once. */
const CACHE_SECONDS = 3600;

type SettingKey = keyof typeof defaultSettings;
type SettingValue<K extends SettingKey> = (typeof defaultSettings)[K];

/** What a stored value must look like to be used (a hand-edited row that does not is ignored, logged). */
const storedShapes: { [K in SettingKey]: z.ZodType<SettingValue<K>> } = {
  'upload.extensions': z.array(z.string().refine((name) => Object.hasOwn(knownExtensions, name))),
  'upload.limits': z.object({
    image: z.number().int().min(1).max(1024),
    video: z.number().int().min(1).max(1024),
    audio: z.number().int().min(1).max(1024),
  }),
  'review.policy': z.object({
    maxImageCount: z.number().int().min(0).max(100),
    pointAmount: z.number().int().min(0).max(1_000_000),
  }),
};

export interface SettingsServiceDeps {
  db: Database;
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  /** how long this process reuses a value without asking Redis: the most another replica's change waits */
  memoMs?: number;
}

/**
 * Operator settings changed at run time (API §45, ADMN-10..13): stored in `app_settings`, cached
 * in Redis (one key per setting, replaced on every change so all replicas read the new value), and
 * remembered in this process for at most `memoMs` (2 s) so a hot upload path does not ask Redis
 * each time. Other modules read them through `uploadPolicy()` and `reviewPolicy()`.
 */
export function settingsService({ db, redis, keyPrefix, logger, memoMs = 2000 }: SettingsServiceDeps) {
  const cacheKey = (key: SettingKey) => `${keyPrefix}:app-settings:${key}`;
  const memo = new Map<SettingKey, { value: unknown; until: number }>();

  async function fromDatabase<K extends SettingKey>(key: K): Promise<SettingValue<K>> {
    const [row] = await db
      .select({ value: appSettings.value })
      .from(appSettings)
      .where(eq(appSettings.key, key));
    if (!row) return defaultSettings[key];
    const parsed = storedShapes[key].safeParse(row.value);
    if (parsed.success) return parsed.data;
    logger.warn({ key, issues: parsed.error.issues }, 'app setting ignored: stored value is malformed');
    return defaultSettings[key];
  }

  async function read<K extends SettingKey>(key: K): Promise<SettingValue<K>> {
    const remembered = memo.get(key);
    if (remembered && remembered.until > Date.now()) return remembered.value as SettingValue<K>;
    let value: SettingValue<K> | undefined;
    const cached = await redis.get(cacheKey(key)).catch((error: unknown) => {
      logger.warn({ err: error, key }, 'settings cache unreadable; reading PostgreSQL');
      return null;
    });
    if (cached !== null) {
      const parsed = storedShapes[key].safeParse(JSON.parse(cached));
      if (parsed.success) value = parsed.data;
    }
    if (value === undefined) {
      value = await fromDatabase(key);
      // NX: a value an admin stored meanwhile is newer than what was just read
      await redis.set(cacheKey(key), JSON.stringify(value), 'EX', CACHE_SECONDS, 'NX').catch(() => {});
    }
    memo.set(key, { value, until: Date.now() + memoMs });
    return value;
  }

  async function write<K extends SettingKey>(key: K, value: SettingValue<K>, adminId: number) {
    await db
      .insert(appSettings)
      .values({ key, value, updatedBy: adminId })
      .onConflictDoUpdate({
        target: appSettings.key,
        set: { value, updatedBy: adminId, updatedAt: sql`now()` },
      });
    await publish(key, value);
    return value;
  }

  /** Changes some fields of an object setting under a row lock, so two admins' changes both hold. */
  async function merge<K extends 'upload.limits' | 'review.policy'>(
    key: K,
    change: Partial<SettingValue<K>>,
    adminId: number,
  ): Promise<SettingValue<K>> {
    const value = await db.transaction(async (tx) => {
      await tx.insert(appSettings).values({ key, value: defaultSettings[key] }).onConflictDoNothing();
      const [row] = await tx
        .select({ value: appSettings.value })
        .from(appSettings)
        .where(eq(appSettings.key, key))
        .for('update');
      const stored = storedShapes[key].safeParse(row?.value);
      const next = { ...(stored.success ? stored.data : defaultSettings[key]), ...definedOf(change) };
      await tx
        .update(appSettings)
        .set({ value: next, updatedBy: adminId, updatedAt: sql`now()` })
        .where(eq(appSettings.key, key));
      return next as SettingValue<K>;
    });
    await publish(key, value);
    return value;
  }

  /**
   * The committed value replaces the cached one (not a delete: a reader that read the old row
   * just before the commit could otherwise cache it again); every replica sees it once its memo
   * lapses.
   */
  async function publish<K extends SettingKey>(key: K, value: SettingValue<K>) {
    await redis.set(cacheKey(key), JSON.stringify(value), 'EX', CACHE_SECONDS);
    memo.set(key, { value, until: Date.now() + memoMs });
  }

  return {
    extensions: () => read('upload.extensions'),
    uploadLimits: (): Promise<UploadLimits> => read('upload.limits'),
    reviewPolicy: (): Promise<ReviewPolicy> => read('review.policy'),

    /** What the upload intake enforces. */
    async uploadPolicy(): Promise<UploadPolicy> {
      const [extensions, limitsMb] = await Promise.all([read('upload.extensions'), read('upload.limits')]);
      return { extensions, limitsMb };
    },

    setExtensions: (extensions: string[], adminId: number) => write('upload.extensions', extensions, adminId),

    /** Changes the named limits, keeping the others. */
    changeUploadLimits: (change: Partial<UploadLimits>, adminId: number): Promise<UploadLimits> =>
      merge('upload.limits', change, adminId),

    changeReviewPolicy: (change: Partial<ReviewPolicy>, adminId: number): Promise<ReviewPolicy> =>
      merge('review.policy', change, adminId),
  };
}

const definedOf = <T extends object>(change: T) =>
  Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<T>;

export type SettingsService = ReturnType<typeof settingsService>;
