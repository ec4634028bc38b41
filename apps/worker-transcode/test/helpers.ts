import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { trackProcesses } from '@pbshop/testing';

export { outputClosed, waitFor } from '@pbshop/testing';

const run = promisify(execFile);

export const ffmpegBin = process.env.FFMPEG_BIN ?? 'ffmpeg';
export const ffprobeBin = process.env.FFPROBE_BIN ?? 'ffprobe';
export const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

/** Spawns this worker's main.ts; none outlives the test that started it. */
export const processTracker = () => trackProcesses(mainEntry);

/** A 1280x720 test pattern with a 440 Hz tone, encoded quickly (ultrafast) at test time. */
export async function makeClip(path: string, seconds: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await run(ffmpegBin, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    path,
  ]);
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
}

export async function probe(
  path: string,
): Promise<{ streams: ProbedStream[]; format: { duration?: string } }> {
  const { stdout } = await run(ffprobeBin, [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout);
}

/** Pids of live processes whose command line mentions `needle` (e.g. a test's own storage dir). */
export async function pidsMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const [cmdline, status] = await Promise.all([
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/status`, 'utf8').catch(() => ''),
    ]);
    // a zombie has exited already; it only waits for its parent to reap it
    if (cmdline.includes(needle) && !/^State:\s+Z/m.test(status)) pids.push(pid);
  }
  return pids;
}
