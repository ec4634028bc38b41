// `pnpm bench:upload`: upload throughput of one 100 MB file through POST /media/upload (multipart,
// streamed to the local storage, typed, probed, recorded) next to a bare node:http server writing
// the same bytes to disk, rounds alternating, each server its own process; the API process's
// memory (RSS, read from /proc) while it takes them (the intake must not hold files in memory);
// and where its time goes: CPU seconds of each process and of the API's ffprobe per upload, and
// the API's garbage collections (bench/gc-report.ts, preloaded). The file is a real QuickTime
// movie (raw video made by FFmpeg), so probing passes. Prints figures; asserts nothing.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestContext, freePort, median, type RunningProcess, spawnProcess } from '@pbshop/testing';
import { multipartBody } from '../test/helpers/multipart.ts';
import { benchEnv, buildBenchApp, loadAverage } from './harness.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const run = promisify(execFile);

const ctx = await createTestContext();
const env = benchEnv(ctx);

// 100 MB of raw 320x240 video (UYVY, which QuickTime stores uncompressed) in a .mov: no encoding to wait for, and a file ffprobe reads
const moviePath = join(ctx.storageDir, 'bench.mov');
await run(env.FFMPEG_BIN, [
  '-v',
  'error',
  '-y',
  '-f',
  'lavfi',
  '-i',
  'testsrc=size=320x240:rate=30',
  '-frames:v',
  '650',
  '-c:v',
  'rawvideo',
  '-pix_fmt',
  'uyvy422',
  moviePath,
]);
const movie = await readFile(moviePath);
const form = multipartBody([
  { name: 'ownerType', value: 'PRODUCT' },
  { name: 'ownerId', value: '1' },
  { name: 'files', filename: 'bench.mov', contentType: 'video/quicktime', value: movie },
]);

// a member and the video limit raised, through the API's own services (the API process reads the
// settings from PostgreSQL and Redis like any replica)
const bench = await buildBenchApp({}, { ctx });
const { deps, app } = bench;
const admin = await deps.users.create({
  email: 'bench-admin@example.test',
  name: 'Bench',
  passwordHash: null,
  phone: null,
  role: 'ADMIN',
  emailVerified: true,
});
await deps.settings.changeUploadLimits({ video: 200 }, admin.id);
const token = app.signAccessToken({ sub: String(admin.id), role: admin.role, ver: admin.tokenVersion });

const apiPort = await freePort();
const api = spawnProcess(join(import.meta.dirname, '../src/main.ts'), {
  ...ctx.env,
  LOG_LEVEL: 'info',
  PORT: String(apiPort),
  HOST: '127.0.0.1',
  RATE_LIMIT_PER_MINUTE: '10000000',
  // production's young generation (docker-compose.yml, pnpm start, scripts/dev.sh), then any flags to try
  NODE_OPTIONS: `--import ${join(import.meta.dirname, 'gc-report.ts')} --max-semi-space-size=1 ${process.env.BENCH_API_NODE_OPTIONS ?? ''}`,
});
await api.waitForLog((line) => String(line.msg ?? '').includes('Server listening'), 60_000);
const raw = spawnProcess(join(import.meta.dirname, 'raw-upload-server.ts'), {
  RAW_UPLOAD_DIR: ctx.storageDir,
});
const rawPort = Number((await raw.waitForLog((line) => line.msg === 'raw upload server listening')).port);

/** Sends the body in 64 KiB writes (as a socket would carry it) and answers the seconds to the response. */
function upload(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ seconds: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': form.payload.length },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ seconds: (performance.now() - started) / 1000, status: response.statusCode ?? 0, body }),
        );
      },
    );
    outgoing.on('error', reject);
    const write = (offset: number) => {
      while (offset < form.payload.length) {
        const chunk = form.payload.subarray(offset, offset + 65_536);
        offset += chunk.length;
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', () => write(offset));
          return;
        }
      }
      outgoing.end();
    };
    write(0);
  });
}

/**
 * CPU seconds a process has used (user + system, Linux /proc), its own and, separately, its
 * waited-for children's (the API's ffprobe): figures other load on the machine does not stretch.
 */
async function cpuOf(process: RunningProcess): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${process.child.pid}/stat`, 'utf8');
  // the fields after the command name, which may hold spaces, in parentheses
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const ticks = 100;
  return { own: (fields[11]! + fields[12]!) / ticks, children: (fields[13]! + fields[14]!) / ticks };
}

/** The API process's resident memory, MB (Linux /proc). */
async function rssOf(process: RunningProcess): Promise<number> {
  const status = await readFile(`/proc/${process.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const apiHeaders = { authorization: `Bearer ${token}`, 'content-type': form.contentType };
const rawHeaders = { 'content-type': form.contentType };

// warm-up: one of each (JIT, the settings read, ffprobe's first start)
const warm = await upload(apiPort, '/api/v1/media/upload', apiHeaders);
if (warm.status !== 201) throw new Error(`the API refused the upload: ${warm.status} ${warm.body}`);
await upload(rawPort, '/', rawHeaders);

const rssBefore = await rssOf(api);
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  void rssOf(api).then((rss) => {
    rssPeak = Math.max(rssPeak, rss);
  });
}, 50);

const apiSeconds: number[] = [];
const rawSeconds: number[] = [];
const apiCpu: number[] = [];
const probeCpu: number[] = [];
const rawCpu: number[] = [];
/** where each API upload's log lines start (its collections run until the next one's) */
const apiLogStarts: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const rawCpuBefore = await cpuOf(raw);
  const raw1 = await upload(rawPort, '/', rawHeaders);
  rawSeconds.push(raw1.seconds);
  rawCpu.push((await cpuOf(raw)).own - rawCpuBefore.own);
  const apiCpuBefore = await cpuOf(api);
  apiLogStarts.push(api.logs.length);
  const answer = await upload(apiPort, '/api/v1/media/upload', apiHeaders);
  if (answer.status !== 201) throw new Error(`the API refused the upload: ${answer.status} ${answer.body}`);
  apiSeconds.push(answer.seconds);
  const apiCpuAfter = await cpuOf(api);
  apiCpu.push(apiCpuAfter.own - apiCpuBefore.own);
  probeCpu.push(apiCpuAfter.children - apiCpuBefore.children);
  // the stored copy goes, so the disk holds one at a time
  const id = JSON.parse(answer.body).data[0].id as number;
  await app.inject({
    method: 'DELETE',
    url: `/api/v1/media/${id}`,
    headers: { authorization: `Bearer ${token}` },
  });
}
clearInterval(sampler);
const rssAfter = await rssOf(api);
const gcOfRounds = apiLogStarts.map((start, round) => {
  const lines = api.logs.slice(start, apiLogStarts[round + 1]).filter((line) => line.msg === 'bench gc');
  const ms = (kind: string) =>
    lines.filter((line) => line.kind === kind).reduce((sum, line) => sum + Number(line.ms), 0);
  return {
    majors: lines.filter((line) => line.kind === 'major').length,
    minors: lines.filter((line) => line.kind === 'minor').length,
    ms: ms('major') + ms('incremental') + ms('minor'),
  };
});

const megabytes = form.payload.length / 1e6;
const apiRate = megabytes / median(apiSeconds);
const rawRate = megabytes / median(rawSeconds);
console.log(
  `\nupload of ${megabytes.toFixed(1)} MB (multipart body; the file ${(movie.length / 1e6).toFixed(1)} MB), ${rounds} rounds alternating, median:`,
);
console.log(
  `  raw node:http to disk      ${rawRate.toFixed(1)} MB/s  (${rawSeconds.map((s) => s.toFixed(2)).join(', ')} s)`,
);
console.log(
  `  POST /media/upload         ${apiRate.toFixed(1)} MB/s  (${apiSeconds.map((s) => s.toFixed(2)).join(', ')} s)`,
);
console.log(
  `  CPU per upload (median)    raw ${median(rawCpu).toFixed(2)} s, API ${median(apiCpu).toFixed(2)} s + its ffprobe ${median(probeCpu).toFixed(2)} s`,
);
console.log(
  `  API garbage collection     ${gcOfRounds.map((gc) => `${gc.ms.toFixed(0)} ms (${gc.majors} major, ${gc.minors} minor)`).join(', ')}`,
);
console.log(`  ratio                      ${((apiRate / rawRate) * 100).toFixed(0)}% of raw (goal ≥ 70%)`);
console.log(
  `  API RSS                    ${rssBefore.toFixed(0)} MB before, ${rssPeak.toFixed(0)} MB peak, ${rssAfter.toFixed(0)} MB after: growth ${(rssPeak - rssBefore).toFixed(1)} MB (goal < 50 MB)`,
);

console.log(`  load average               ${loadAverage()} (2 cores)`);

await api.stop();
await raw.stop();
await bench.close();
process.exit(0);
