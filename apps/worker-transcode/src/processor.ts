import { spawn } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Env } from '@pbshop/config';
import type { ProcessorSet, WorkerDeps } from '@pbshop/queues';
import { UnrecoverableError } from 'bullmq';

export interface TranscodeResult {
  videoId: string;
  directory: string;
  rendition: string;
  poster: string;
}

/** Runs ffmpeg; an aborted signal kills it, so a shutdown does not wait for a long encode. */
function ffmpeg(bin: string, args: string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim() || 'no output'}`));
    });
  });
}

/**
 * Turns an uploaded video into a 720p (or smaller) H.264/AAC MP4 with fast start and a poster
 * frame, under STORAGE_DIR/videos/<videoId>/. Output is built in a temporary folder and renamed
 * into place, so a retried or released job never leaves a half-written rendition behind.
 */
export async function transcodeVideo(
  env: Pick<Env, 'STORAGE_DIR' | 'FFMPEG_BIN' | 'FFMPEG_PRESET' | 'FFMPEG_CRF'>,
  input: { videoId: string; sourcePath: string; attemptId: string },
  signal: AbortSignal,
): Promise<TranscodeResult> {
  const storage = resolve(env.STORAGE_DIR);
  const source = resolve(storage, input.sourcePath);
  if (relative(storage, source).startsWith('..'))
    throw new UnrecoverableError('source path leaves STORAGE_DIR');
  const sourceInfo = await stat(source).catch(() => null);
  if (!sourceInfo?.isFile())
    throw new UnrecoverableError(`source ${input.sourcePath} does not exist in STORAGE_DIR`);

  const directory = join(storage, 'videos', input.videoId);
  const result = {
    videoId: input.videoId,
    directory: relative(storage, directory),
    rendition: '720p.mp4',
    poster: 'poster.jpg',
  };
  if (await stat(join(directory, result.rendition)).catch(() => null)) return result;

  const work = `${directory}.tmp-${input.attemptId}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await ffmpeg(
      env.FFMPEG_BIN,
      [
        '-i',
        source,
        '-vf',
        "scale=-2:'min(720,ih)'",
        '-c:v',
        'libx264',
        '-preset',
        env.FFMPEG_PRESET,
        '-crf',
        String(env.FFMPEG_CRF),
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '128k',
        '-movflags',
        '+faststart',
        join(work, result.rendition),
      ],
      signal,
    );
    await ffmpeg(
      env.FFMPEG_BIN,
      ['-i', join(work, result.rendition), '-frames:v', '1', '-q:v', '3', join(work, result.poster)],
      signal,
    );
    await rm(directory, { recursive: true, force: true });
    await rename(work, directory);
    return result;
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

export function buildTranscodeProcessors({ env }: WorkerDeps): ProcessorSet {
  return {
    processors: [
      {
        queue: 'video-transcode',
        concurrency: env.TRANSCODE_CONCURRENCY,
        async process(payload, { job, signal, logger }) {
          const started = performance.now();
          const result = await transcodeVideo(
            env,
            { ...payload, attemptId: `${job.id}-${job.attemptsMade}` },
            signal,
          );
          logger.info({ ...result, ms: Math.round(performance.now() - started) }, 'video transcoded');
          return result;
        },
      },
    ],
  };
}
