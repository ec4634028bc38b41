// Short-form test material: videos made at test time with FFmpeg's lavfi sources, multipart
// bodies as the storefront's FormData sends them, and worker-transcode's processors run by the
// test on the app's own Redis and database (the same code as the worker process and WORKERS=inline).

import { execFile } from 'node:child_process';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, type Env } from '@pbshop/config';
import { type RunningWorkers, startWorkers } from '@pbshop/queues';
import { makeTestClip, waitFor } from '@pbshop/testing';
import { buildTranscodeProcessors } from '@pbshop/worker-transcode/processor';
import { expect } from 'vitest';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { multipartBody } from './helpers/multipart.ts';

const run = promisify(execFile);
const ffprobeBin = process.env.FFPROBE_BIN ?? 'ffprobe';

/** A test pattern with a tone (lavfi), `size` as width x height, encoded quickly; its bytes. */
export async function makeClip(path: string, seconds: number, size = '360x640'): Promise<Buffer> {
  await makeTestClip(path, seconds, size);
  return readFile(path);
}

/** The first half of a clip: its moov atom (written last, without +faststart) is gone. */
export async function truncatedClip(path: string, source: string): Promise<Buffer> {
  const bytes = await readFile(source);
  await writeFile(path, bytes);
  await truncate(path, Math.floor(bytes.length / 2));
  return readFile(path);
}

export async function probe(path: string) {
  const { stdout } = await run(ffprobeBin, [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
    format: { duration?: string; format_name?: string };
  };
}

/** `POST /shortforms` with a video and fields, as the storefront sends it. */
export async function uploadShortform(
  app: App,
  headers: { authorization?: string },
  video: Buffer,
  fields: Record<string, string> = { title: 'A short clip' },
  options: { filename?: string; requestId?: string } = {},
) {
  const body = multipartBody([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'video', filename: options.filename ?? 'clip.mp4', contentType: 'video/mp4', value: video },
  ]);
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/shortforms',
    headers: {
      ...headers,
      'content-type': body.contentType,
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    payload: body.payload,
  });
  return { status: response.statusCode, body: response.json() };
}

/** worker-transcode's processors on the app's Redis, as the worker process runs them; `close` stops them. */
export function startTranscodeWorker(deps: ApiDeps, overrides: Partial<Env> = {}): RunningWorkers {
  const env = { ...deps.env, ...overrides };
  const logger = createLogger({ LOG_LEVEL: 'silent' }, 'worker-transcode-test');
  const workerDeps = { env, logger, redis: deps.workerRedis };
  return startWorkers('worker-transcode-test', workerDeps, buildTranscodeProcessors(workerDeps));
}

/** Polls the transcode status until it is COMPLETED or FAILED; answers every status body seen. */
export async function transcodeOutcome(
  call: (method: 'GET', url: string) => Promise<{ status: number; body: { data: TranscodeState } }>,
  shortformId: number,
  timeoutMs = 90_000,
): Promise<TranscodeState[]> {
  const seen: TranscodeState[] = [];
  await waitFor(
    `short-form ${shortformId} to finish transcoding`,
    async () => {
      const { body } = await call('GET', `/api/v1/shortforms/${shortformId}/transcode-status`);
      seen.push(body.data);
      return body.data.transcodeStatus === 'COMPLETED' || body.data.transcodeStatus === 'FAILED';
    },
    timeoutMs,
    50,
  );
  return seen;
}

export interface TranscodeState {
  shortformId: number;
  transcodeStatus: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  progress: number;
  transcodedVideoUrl: string | null;
  hlsUrl: string | null;
  thumbnailUrl: string | null;
  transcodeError: string | null;
  transcodedAt: string | null;
}

/** Every stored file under the storage folder, relative to it (the local driver's temporary folder aside). */
export async function storedFiles(storageDir: string): Promise<string[]> {
  const entries = await readdir(storageDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(storageDir, join(entry.parentPath, entry.name)))
    .filter((path) => !path.startsWith('clips/') && !path.startsWith('mail/'))
    .sort();
}

/** The path part of an absolute URL the API answered (inject takes paths). */
export function pathOf(url: string | null): string {
  expect(url).toBeTypeOf('string');
  return new URL(url!).pathname;
}
