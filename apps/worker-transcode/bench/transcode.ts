// pnpm --filter @pbshop/worker-transcode bench:transcode [runs]
// Transcode speed as a multiple of real time: a 15 s 1080x1920 30 fps clip with a tone, made here
// with lavfi (testsrc2 with temporal noise, so the encoder works as on a camera's picture rather
// than on flat colour), transcoded the way a video-transcode job does at the configured preset
// (FFMPEG_PRESET / FFMPEG_CRF from .env, else the defaults: veryfast, 23):
//  - the MP4 encode alone (720x1280 H.264/AAC, fast start): the first 90 % of the job's progress;
//  - the renditions (encode, the HLS remux and the poster);
//  - FFmpeg's own CPU time for the renditions (/proc/self/stat, children), which the machine's
//    other load does not stretch, and the speed it means on an idle machine of this many cores;
//  - the whole job (transcodeShortform: claim, encode, store in local storage, COMPLETED) on a
//    test database of its own.
// Each figure is the median of `runs` (default 3), as seconds and × real time (15 s / seconds).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, loadRepoEnvFile, parseEnvSubset } from '@pbshop/config';
import { createDatabase, shortforms, users } from '@pbshop/db';
import { localStorage } from '@pbshop/storage';
import { createTestContext, median } from '@pbshop/testing';
import { encodeRenditions } from '../src/processor/renditions.ts';
import { shortformRows } from '../src/processor/shortform-row.ts';
import { transcodeShortform } from '../src/processor.ts';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 3);
const SECONDS = 15;
/** USER_HZ: the unit of /proc's CPU times (100 on Linux) */
const CLOCK_TICKS = 100;

loadRepoEnvFile();
const env = parseEnvSubset(['FFMPEG_BIN', 'FFMPEG_PRESET', 'FFMPEG_CRF', 'TRANSCODE_TIMEOUT_MS']);
const ctx = await createTestContext();
const scratch = await mkdtemp(join(tmpdir(), 'pbshop-bench-transcode-'));
const database = createDatabase(ctx.database.url, { max: 2 });
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'bench-transcode');

try {
  const source = 'uploads/bench-1080x1920.mp4';
  const sourcePath = join(ctx.storageDir, source);
  const made = performance.now();
  await mkdir(join(ctx.storageDir, 'uploads'), { recursive: true });
  await run(env.FFMPEG_BIN, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1080x1920:rate=30,noise=alls=12:allf=t',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-t',
    String(SECONDS),
    '-shortest',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    sourcePath,
  ]);
  console.log(
    `source: ${SECONDS} s 1080x1920 30 fps + AAC, made in ${((performance.now() - made) / 1000).toFixed(1)} s; ` +
      `preset ${env.FFMPEG_PRESET}, crf ${env.FFMPEG_CRF}; ${cpus().length} cores, load ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
  );

  /**
   * CPU seconds the finished child processes (FFmpeg) used, from /proc/self/stat (cutime + cstime,
   * in clock ticks): a figure the machine's other load does not stretch, unlike the wall time.
   */
  const childCpuSeconds = async () => {
    const fields = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
    // after "pid (comm) ": state is field 3, cutime 16 and cstime 17 (1-based)
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  };

  const line = (label: string, seconds: number[]) => {
    const middle = median(seconds);
    console.log(
      `${label.padEnd(34)} ${middle.toFixed(2).padStart(6)} s  ${(SECONDS / middle).toFixed(2).padStart(5)}× real time` +
        `  (runs: ${seconds.map((value) => value.toFixed(2)).join(', ')})`,
    );
  };

  const encode: number[] = [];
  const renditions: number[] = [];
  const cpu: number[] = [];
  for (let index = 0; index < runs; index++) {
    const workDir = join(scratch, `run-${index}`);
    const cpuBefore = await childCpuSeconds();
    const started = performance.now();
    let encoded: number | undefined;
    await encodeRenditions(
      env,
      { source: sourcePath, workDir, durationMs: SECONDS * 1000 },
      (percent) => {
        if (percent >= 90 && encoded === undefined) encoded = performance.now();
      },
      new AbortController().signal,
    );
    renditions.push((performance.now() - started) / 1000);
    encode.push(((encoded ?? performance.now()) - started) / 1000);
    cpu.push((await childCpuSeconds()) - cpuBefore);
    await rm(workDir, { recursive: true, force: true });
  }
  line('MP4 encode (720x1280)', encode);
  line('renditions (MP4 + HLS + poster)', renditions);
  const cpuMedian = median(cpu);
  console.log(
    `${'FFmpeg CPU time of the renditions'.padEnd(34)} ${cpuMedian.toFixed(2).padStart(6)} s  ` +
      `${(SECONDS / cpuMedian).toFixed(2).padStart(5)}× real time per core busy` +
      `  (an idle ${cpus().length}-core machine: about ${((SECONDS * cpus().length) / cpuMedian).toFixed(2)}×)`,
  );

  const storage = localStorage({
    root: ctx.storageDir,
    presign: { url: 'http://127.0.0.1/unused', secret: 'bench' },
  });
  const rows = shortformRows(database.db);
  const [member] = await database.db
    .insert(users)
    .values({ email: 'bench@example.com', name: 'Bench' })
    .returning({ id: users.id });
  const jobs: number[] = [];
  for (let index = 0; index < runs; index++) {
    const [row] = await database.db
      .insert(shortforms)
      .values({
        userId: member!.id,
        title: `bench ${index}`,
        sourceKey: source,
        sourceSize: 1,
        durationMs: SECONDS * 1000,
        width: 1080,
        height: 1920,
      })
      .returning({ id: shortforms.id });
    const started = performance.now();
    const result = await transcodeShortform(
      { env, storage, rows },
      { shortformId: row!.id, sourceKey: source },
      { id: `bench-${index}`, attemptsMade: 0, opts: { attempts: 1 }, updateProgress: async () => {} },
      new AbortController().signal,
      logger,
    );
    if (result.outcome !== 'completed') throw new Error(`bench job ended ${result.outcome}`);
    jobs.push((performance.now() - started) / 1000);
  }
  line('whole job (stored, COMPLETED)', jobs);
} finally {
  await database.close();
  await rm(scratch, { recursive: true, force: true });
  await ctx.cleanup();
}
