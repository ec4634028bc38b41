import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Database } from '@pbshop/db';
import { shortforms, users } from '@pbshop/db';
import { trackProcesses } from '@pbshop/testing';
import { eq } from 'drizzle-orm';

export { outputClosed, waitFor } from '@pbshop/testing';

const run = promisify(execFile);

export const ffmpegBin = process.env.FFMPEG_BIN ?? 'ffmpeg';
export const ffprobeBin = process.env.FFPROBE_BIN ?? 'ffprobe';
export const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

/** Spawns this worker's main.ts; none outlives the test that started it. */
export const processTracker = () => trackProcesses(mainEntry);

/** A test pattern with a tone made at test time (lavfi): @pbshop/testing's `makeTestClip`. */
export { makeTestClip as makeClip } from '@pbshop/testing';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
}

export async function probe(
  path: string,
): Promise<{ streams: ProbedStream[]; format: { duration?: string; format_name?: string } }> {
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

/** Every file under `folder`, relative to it, sorted ([] when it does not exist). */
export async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();
}

let members = 0;

/** A member and a PENDING shortform of theirs whose source is `sourceKey`, as the API's upload leaves it. */
export async function seedShortform(
  db: Database,
  source: { sourceKey: string; durationMs: number; width?: number; height?: number },
): Promise<number> {
  members += 1;
  const [user] = await db
    .insert(users)
    .values({ email: `uploader${members}-${Date.now()}@example.com`, name: 'Uploader' })
    .returning({ id: users.id });
  const [row] = await db
    .insert(shortforms)
    .values({
      userId: user!.id,
      title: 'A test clip',
      sourceKey: source.sourceKey,
      sourceSize: 1,
      durationMs: source.durationMs,
      width: source.width ?? 360,
      height: source.height ?? 640,
    })
    .returning({ id: shortforms.id });
  return row!.id;
}

export async function shortformRow(db: Database, id: number) {
  const [row] = await db.select().from(shortforms).where(eq(shortforms.id, id));
  return row!;
}
