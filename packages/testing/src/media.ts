import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A video made at test time with FFmpeg's lavfi sources (DESIGN.md "Tests"): a test pattern with a
 * 440 Hz tone, H.264/AAC encoded quickly (ultrafast), written to `path`. `size` is width x height
 * (vertical uploads are taller than wide). FFmpeg is `FFMPEG_BIN`, else `ffmpeg` on the PATH.
 */
export async function makeTestClip(path: string, seconds: number, size = '360x640'): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await run(process.env.FFMPEG_BIN ?? 'ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=30`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-t',
    String(seconds),
    '-shortest',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    path,
  ]);
}
