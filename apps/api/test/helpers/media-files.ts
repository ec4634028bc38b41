import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const ffmpeg = process.env.FFMPEG_BIN ?? 'ffmpeg';

/** Runs FFmpeg with `args` writing `<tmp>/out.<extension>`, and answers the file's bytes. */
async function ffmpegMade(extension: string, args: string[]): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'pbshop-media-'));
  try {
    const out = join(folder, `out.${extension}`);
    await run(ffmpeg, ['-v', 'error', '-y', ...args, out], { timeout: 120_000 });
    return await readFile(out);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Test media made at test time (DESIGN.md "Tests"): FFmpeg's lavfi sources and sharp. */
export const testMedia = {
  /** an H.264/AAC MP4 of `seconds`, WIDTHxHEIGHT (vertical by default) */
  mp4: ({ width = 720, height = 1280, seconds = 2 } = {}) =>
    ffmpegMade('mp4', [
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${width}x${height}:rate=30`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      '-movflags',
      '+faststart',
    ]),
  mp3: ({ seconds = 1 } = {}) =>
    ffmpegMade('mp3', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100',
      '-t',
      String(seconds),
      '-c:a',
      'libmp3lame',
    ]),
  /** 16-bit stereo 48 kHz PCM: about 188 KB a second */
  wav: ({ seconds = 1 } = {}) =>
    ffmpegMade('wav', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-ac',
      '2',
      '-t',
      String(seconds),
    ]),
  png: ({ width = 64, height = 48 } = {}) =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toBuffer(),
  jpeg: ({ width = 64, height = 48 } = {}) =>
    sharp({ create: { width, height, channels: 3, background: { r: 30, g: 30, b: 200 } } })
      .jpeg()
      .toBuffer(),
  /** a PNG of `bytes` total: a real image, then noise in an ancillary chunk-free tail (type still PNG) */
  paddedPng: async (bytes: number) => {
    const png = await testMedia.png();
    return Buffer.concat([png, Buffer.alloc(Math.max(0, bytes - png.length), 7)]);
  },
  /** a minimal one-page PDF */
  pdf: () =>
    Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
        '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    ),
};
