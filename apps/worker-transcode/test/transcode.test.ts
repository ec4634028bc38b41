import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcodeVideo } from '../src/processor.ts';
import { makeClip, pidsMentioning, probe, waitFor } from './helpers.ts';

type TranscodeEnv = Parameters<typeof transcodeVideo>[0];

let ctx: TestContext;
let env: TranscodeEnv;

const never = () => new AbortController().signal;

beforeAll(async () => {
  ctx = await createTestContext();
  env = {
    STORAGE_DIR: ctx.storageDir,
    FFMPEG_BIN: ctx.env.FFMPEG_BIN!,
    FFMPEG_PRESET: 'veryfast',
    FFMPEG_CRF: 23,
  };
  await Promise.all([
    makeClip(join(ctx.storageDir, 'uploads/short.mp4'), 3),
    makeClip(join(ctx.storageDir, 'uploads/long.mp4'), 20),
  ]);
});

afterAll(async () => {
  if (!ctx) return;
  // a safety net for a failed abort assertion: no ffmpeg of this file may outlive it
  for (const pid of await pidsMentioning(ctx.storageDir)) {
    // it may have exited since it was listed
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await ctx.cleanup();
});

async function videoFolders(): Promise<string[]> {
  return (await readdir(join(ctx.storageDir, 'videos')).catch(() => [])).sort();
}

describe('transcodeVideo', () => {
  it('turns a 1280x720 upload into a 720p H.264/AAC MP4 with fast start and a JPEG poster', async () => {
    const result = await transcodeVideo(
      env,
      { videoId: 'clip-1', sourcePath: 'uploads/short.mp4', attemptId: '1-0' },
      never(),
    );
    expect(result).toEqual({
      videoId: 'clip-1',
      directory: join('videos', 'clip-1'),
      rendition: '720p.mp4',
      poster: 'poster.jpg',
    });

    const rendition = join(ctx.storageDir, result.directory, result.rendition);
    const { streams, format } = await probe(rendition);
    const video = streams.find((stream) => stream.codec_type === 'video');
    const audio = streams.find((stream) => stream.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720, pix_fmt: 'yuv420p' });
    expect(audio).toMatchObject({ codec_name: 'aac' });
    expect(Number(format.duration)).toBeGreaterThan(2.5);
    expect(Number(format.duration)).toBeLessThan(3.5);

    // +faststart: the moov atom precedes the media data, so playback starts before the download ends
    const file = await open(rendition);
    const head = Buffer.alloc(64 * 1024);
    await file.read(head, 0, head.length, 0);
    await file.close();
    const moov = head.indexOf('moov');
    expect(moov).toBeGreaterThan(0);
    const mdat = head.indexOf('mdat');
    expect(mdat === -1 || moov < mdat).toBe(true);

    const poster = await probe(join(ctx.storageDir, result.directory, result.poster));
    expect(poster.streams[0]).toMatchObject({ codec_type: 'video', codec_name: 'mjpeg', height: 720 });

    expect(await videoFolders()).toEqual(['clip-1']);
    expect((await readdir(join(ctx.storageDir, result.directory))).sort()).toEqual([
      '720p.mp4',
      'poster.jpg',
    ]);
  });

  it('is idempotent: a second call returns the same result without encoding again', async () => {
    const input = { videoId: 'clip-2', sourcePath: 'uploads/short.mp4', attemptId: '2-0' };
    const first = await transcodeVideo(env, input, never());
    const directory = join(ctx.storageDir, first.directory);
    const before = await Promise.all([
      stat(join(directory, first.rendition)),
      stat(join(directory, first.poster)),
    ]);

    const started = performance.now();
    const second = await transcodeVideo(env, { ...input, attemptId: '2-1' }, never());
    const ms = performance.now() - started;

    expect(second).toEqual(first);
    const after = await Promise.all([
      stat(join(directory, first.rendition)),
      stat(join(directory, first.poster)),
    ]);
    expect(after.map((s) => [s.mtimeMs, s.ino, s.size])).toEqual(
      before.map((s) => [s.mtimeMs, s.ino, s.size]),
    );
    // no ffmpeg run at all: a stat and a return
    expect(ms).toBeLessThan(1000);
    expect((await videoFolders()).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('fails a missing source, or one outside STORAGE_DIR, with UnrecoverableError', async () => {
    const missing = transcodeVideo(
      env,
      { videoId: 'missing', sourcePath: 'uploads/does-not-exist.mp4', attemptId: '3-0' },
      never(),
    );
    await expect(missing).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(missing).rejects.toThrow(/does not exist/);

    // a folder is not a video either
    await expect(
      transcodeVideo(env, { videoId: 'missing', sourcePath: 'uploads', attemptId: '3-1' }, never()),
    ).rejects.toBeInstanceOf(UnrecoverableError);

    await expect(
      transcodeVideo(env, { videoId: 'escape', sourcePath: '../outside.mp4', attemptId: '3-2' }, never()),
    ).rejects.toBeInstanceOf(UnrecoverableError);

    const folders = await videoFolders();
    expect(folders.filter((name) => name.startsWith('missing') || name.startsWith('escape'))).toEqual([]);
  });

  it('an aborted signal kills ffmpeg mid-encode and leaves no temporary folder', async () => {
    const controller = new AbortController();
    const work = join(ctx.storageDir, 'videos', 'aborted.tmp-4-0');
    const encoding = transcodeVideo(
      // veryslow: the 20 s clip takes far longer than this test waits
      { ...env, FFMPEG_PRESET: 'veryslow' },
      { videoId: 'aborted', sourcePath: 'uploads/long.mp4', attemptId: '4-0' },
      controller.signal,
    );
    const outcome = encoding.then(
      () => 'resolved' as const,
      (error: unknown) => error,
    );

    // ffmpeg is running and writing into the temporary folder
    await waitFor('ffmpeg writing the rendition', () => stat(join(work, '720p.mp4')).catch(() => false));
    const [ffmpegPid] = await pidsMentioning(work);
    expect(ffmpegPid).toBeTypeOf('number');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const aborted = performance.now();
    controller.abort(new Error('shutting down'));
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(performance.now() - aborted).toBeLessThan(2000);

    // the ffmpeg process is gone (not merely detached), and nothing half-written remains
    await waitFor('ffmpeg to be gone', async () => (await pidsMentioning(work)).length === 0, 3000);
    expect((await videoFolders()).filter((name) => name.startsWith('aborted'))).toEqual([]);
  });

  it('a signal aborted before the call starts no encode and leaves nothing behind', async () => {
    await expect(
      transcodeVideo(
        env,
        { videoId: 'pre-aborted', sourcePath: 'uploads/short.mp4', attemptId: '5-0' },
        AbortSignal.abort(new Error('shutting down')),
      ),
    ).rejects.toThrow();
    expect((await videoFolders()).filter((name) => name.startsWith('pre-aborted'))).toEqual([]);
  });
});
