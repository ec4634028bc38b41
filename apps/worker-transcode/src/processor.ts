import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env, Logger } from '@pbshop/config';
import { createDatabase } from '@pbshop/db';
import type { JobPayload, ProcessorSet, WorkerDeps } from '@pbshop/queues';
import { type Storage, storageFromEnv, withLocalFile } from '@pbshop/storage';
import { UnrecoverableError } from 'bullmq';
import { FfmpegError } from './processor/ffmpeg.ts';
import { encodeRenditions, renditionFiles } from './processor/renditions.ts';
import { type RenditionKeys, type ShortformRows, shortformRows } from './processor/shortform-row.ts';

export type TranscodeEnv = Pick<Env, 'FFMPEG_BIN' | 'FFMPEG_PRESET' | 'FFMPEG_CRF' | 'TRANSCODE_TIMEOUT_MS'>;

export interface TranscodeDeps {
  env: TranscodeEnv;
  storage: Storage;
  rows: ShortformRows;
}

/** The job of one attempt, as far as a transcode needs it (a BullMQ Job fits). */
export interface TranscodeJob {
  id?: string | undefined;
  attemptsMade: number;
  opts: { attempts?: number | undefined };
  updateProgress(progress: number): Promise<void>;
}

export type TranscodeResult =
  | ({ shortformId: number; outcome: 'completed' } & RenditionKeys)
  /** nothing to do: an earlier run finished it, or the shortform was deleted (before or during the run) */
  | { shortformId: number; outcome: 'already-completed' | 'deleted' };

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  jpg: 'image/jpeg',
};

/** Progress is written when it moved this many points, or after this long with any movement. */
const PROGRESS_STEP = 5;
const PROGRESS_INTERVAL_MS = 1000;

class ShortformDeleted extends Error {}

/** Where a shortform's renditions are stored: under its own folder, beside nothing else of it. */
export const renditionPrefix = (shortformId: number) => `shortforms/${shortformId}/rendition/`;

/**
 * One video-transcode job: claims the shortform (PENDING/FAILED → PROCESSING), encodes its source
 * (a local file, or a temporary download from S3) into MP4 + HLS + poster in a temporary folder,
 * stores them under `shortforms/<id>/rendition/` and marks it COMPLETED with their keys. Progress
 * goes to the row and to the job, throttled. FFmpeg is killed when the process shuts down (the
 * row returns to PENDING, the job to the queue), when the shortform is deleted meanwhile (the job
 * ends quietly, its outputs removed) and at TRANSCODE_TIMEOUT_MS (a retryable failure).
 */
export async function transcodeShortform(
  deps: TranscodeDeps,
  payload: Pick<JobPayload<'video-transcode'>, 'shortformId' | 'sourceKey'>,
  job: TranscodeJob,
  shutdown: AbortSignal,
  logger: Logger,
): Promise<TranscodeResult> {
  const { env, storage, rows } = deps;
  const { shortformId } = payload;
  const claim = await rows.claim(shortformId, job.id ?? 'unknown');
  if (claim.outcome !== 'claimed') {
    logger.info({ shortformId, outcome: claim.outcome }, 'nothing to transcode');
    return { shortformId, outcome: claim.outcome };
  }
  const { shortform } = claim;

  const deleted = new AbortController();
  const timeout = AbortSignal.timeout(env.TRANSCODE_TIMEOUT_MS);
  const stop = AbortSignal.any([shutdown, deleted.signal, timeout]);
  const prefix = renditionPrefix(shortformId);
  let workDir: string | undefined;

  let reported = { percent: 0, at: 0 };
  let writes = Promise.resolve();
  const reportProgress = (percent: number) => {
    const now = Date.now();
    const moved = percent - reported.percent;
    if (moved <= 0 || (moved < PROGRESS_STEP && now - reported.at < PROGRESS_INTERVAL_MS)) return;
    reported = { percent, at: now };
    writes = writes
      .then(async () => {
        if (!(await rows.progress(shortformId, percent))) deleted.abort(new ShortformDeleted());
        await job.updateProgress(percent);
      })
      .catch((error: unknown) => logger.warn({ err: error, shortformId }, 'progress not recorded'));
  };

  try {
    if (shortform.sourceKey !== payload.sourceKey) {
      throw new UnrecoverableError(
        `the job names source ${payload.sourceKey}, the shortform has ${shortform.sourceKey}`,
      );
    }
    if (!(await storage.stat(shortform.sourceKey))) {
      throw new UnrecoverableError(`source ${shortform.sourceKey} is not in the storage`);
    }
    workDir = await mkdtemp(join(tmpdir(), `pbshop-transcode-${shortformId}-`));
    const { files } = await withLocalFile(storage, shortform.sourceKey, (source) =>
      encodeRenditions(
        env,
        { source, workDir: workDir!, durationMs: shortform.durationMs },
        reportProgress,
        stop,
      ),
    );

    // leftovers of an earlier attempt (say, more segments) go first; a reader sees the outputs
    // only once the row is COMPLETED, after every file below is stored
    await storage.deletePrefix(prefix);
    for (const file of files) {
      stop.throwIfAborted();
      const extension = file.slice(file.lastIndexOf('.') + 1);
      await storage.put(`${prefix}${file}`, createReadStream(join(workDir, file)), {
        contentType: contentTypes[extension] ?? 'application/octet-stream',
      });
    }
    await writes;
    stop.throwIfAborted();
    const keys: RenditionKeys = {
      renditionKey: `${prefix}${renditionFiles.mp4}`,
      hlsKey: `${prefix}${renditionFiles.hlsPlaylist}`,
      posterKey: `${prefix}${renditionFiles.poster}`,
    };
    if (!(await rows.complete(shortformId, keys))) throw new ShortformDeleted();
    await job.updateProgress(100);
    return { shortformId, outcome: 'completed', ...keys };
  } catch (error) {
    await writes;
    if (shutdown.aborted) {
      // released back to the queue by the worker: the next run starts over
      await rows.release(shortformId, { status: 'PENDING', error: null });
      throw error;
    }
    // deleted meanwhile: its source may have gone from under FFmpeg, which is no failure
    if (deleted.signal.aborted || error instanceof ShortformDeleted || !(await rows.isLive(shortformId))) {
      await storage.deletePrefix(prefix);
      logger.info({ shortformId }, 'shortform deleted while transcoding; stopped');
      return { shortformId, outcome: 'deleted' };
    }
    const failure = failureOf(error, timeout, env.TRANSCODE_TIMEOUT_MS);
    const attempts = job.opts.attempts ?? 1;
    const final = failure instanceof UnrecoverableError || job.attemptsMade + 1 >= attempts;
    await rows.release(shortformId, {
      status: final ? 'FAILED' : 'PENDING',
      error: final
        ? failure.message
        : `attempt ${job.attemptsMade + 1} of ${attempts} failed (retrying): ${failure.message}`,
    });
    throw failure;
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

/** The error the job fails with: UnrecoverableError for what no retry can fix. */
function failureOf(error: unknown, timeout: AbortSignal, timeoutMs: number): Error {
  if (timeout.aborted) return new Error(`transcode timed out after ${timeoutMs} ms (TRANSCODE_TIMEOUT_MS)`);
  if (error instanceof FfmpegError) {
    // a missing binary needs an operator; a video FFmpeg refuses is refused again
    return error.failure === 'aborted' ? error : new UnrecoverableError(error.message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function buildTranscodeProcessors({ env }: WorkerDeps): ProcessorSet {
  const database = createDatabase(env.DATABASE_URL, {
    // each running job writes its row now and then (claim, progress, outcome)
    max: env.TRANSCODE_CONCURRENCY + 1,
    applicationName: 'pbshop-worker-transcode',
  });
  const storage = storageFromEnv(env);
  const deps: TranscodeDeps = { env, storage, rows: shortformRows(database.db) };
  return {
    processors: [
      {
        queue: 'video-transcode',
        concurrency: env.TRANSCODE_CONCURRENCY,
        async process(payload, { job, signal, logger }) {
          const started = performance.now();
          const result = await transcodeShortform(deps, payload, job, signal, logger);
          logger.info({ ...result, ms: Math.round(performance.now() - started) }, 'video-transcode done');
          return result;
        },
      },
    ],
    async close() {
      await Promise.allSettled([database.close(), storage.close()]);
    },
  };
}
