// `pnpm bench:images`: image variants per second for a 12-megapixel JPEG (4000×3000, a colour
// gradient under noise, ~1.5 MB at quality 85, made here). First sharp alone (processImage: the
// three WebP variants, the original re-encoded without metadata and the placeholder), one image
// at a time and BENCH_PARALLEL (default 2, the cores) at once; then end to end through
// POST /images/upload on the listening API (multipart intake, sharp, local storage, rows),
// autocannon with the same parallelism. A bare Fastify route is not compared: the work is CPU
// bound in sharp, not the HTTP path. Prints figures; asserts nothing but that every upload was 201.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { percentile } from '@pbshop/testing';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { imageVariantTypes, processImage } from '../src/modules/media/images/process.ts';
import { buildBenchApp } from './harness.ts';

const imagesPerRun = Number(process.env.BENCH_IMAGES ?? 24);
const parallel = Number(process.env.BENCH_PARALLEL ?? 2);
const VARIANTS_PER_IMAGE = imageVariantTypes.length;

async function twelveMegapixelJpeg(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const gradient = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      gradient[at] = Math.floor((x * 255) / width);
      gradient[at + 1] = Math.floor((y * 255) / height);
      gradient[at + 2] = Math.floor(((x + y) * 127) / (width + height) + 64);
    }
  }
  const raw = { width, height, channels: 3 as const };
  const noise = await sharp({
    create: { ...raw, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 12 } },
  })
    .raw()
    .toBuffer();
  return sharp(gradient, { raw })
    .composite([{ input: noise, raw, blend: 'overlay' }])
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** Runs `count` jobs, `concurrency` at a time; answers the wall time and each job's time (ms). */
async function timed(count: number, concurrency: number, job: () => Promise<unknown>) {
  const each: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const at = performance.now();
        await job();
        each.push(performance.now() - at);
      }
    }),
  );
  return { wallMs: performance.now() - started, each: each.sort((a, b) => a - b) };
}

const line = (label: string, count: number, wallMs: number, each: number[]) => {
  const perSecond = (count * 1000) / wallMs;
  console.log(
    `${label.padEnd(36)} ${perSecond.toFixed(2).padStart(6)} images/s  ${(perSecond * VARIANTS_PER_IMAGE)
      .toFixed(2)
      .padStart(
        6,
      )} variants/s  per image p50 ${percentile(each, 0.5).toFixed(0)} ms, p95 ${percentile(each, 0.95).toFixed(0)} ms`,
  );
};

const jpeg = await twelveMegapixelJpeg();
const probed = await sharp(jpeg).metadata();
console.log(
  `input: ${probed.width}×${probed.height} JPEG (${(((probed.width ?? 0) * (probed.height ?? 0)) / 1e6).toFixed(1)} MP), ${(jpeg.length / 1024 / 1024).toFixed(2)} MB, orientation ${probed.orientation}; ${imagesPerRun} images per run; ${availableParallelism()} cores; sharp concurrency ${sharp.concurrency()}`,
);

// warm-up: libvips loads its operations and fills its caches
await timed(2, 1, () => processImage(jpeg));
const alone = await timed(imagesPerRun, 1, () => processImage(jpeg));
line('sharp, one at a time', imagesPerRun, alone.wallMs, alone.each);
const together = await timed(imagesPerRun, parallel, () => processImage(jpeg));
line(`sharp, ${parallel} at a time`, imagesPerRun, together.wallMs, together.each);

// no bare route beside it: the upload is CPU bound in sharp
const bench = await buildBenchApp({
  UPLOAD_QUOTA_FILES_PER_HOUR: '1000000',
  UPLOAD_QUOTA_MB_PER_DAY: '10000000',
});
const { deps, app } = bench;
const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const member = await deps.users.create({
  email: 'bench-images@example.com',
  name: 'Bench images',
  passwordHash: null,
  role: 'USER',
  emailVerified: true,
});
const authorization = `Bearer ${app.signAccessToken({ sub: String(member.id), role: 'USER', ver: member.tokenVersion })}`;

const boundary = `----pbshop-bench-${randomBytes(6).toString('hex')}`;
const body = Buffer.concat([
  Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="category"\r\n\r\nproduct\r\n`),
  Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="camera.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
  ),
  jpeg,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);
const result = await autocannon({
  url: `${apiUrl}/api/v1/images/upload`,
  method: 'POST',
  headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` },
  body,
  connections: parallel,
  amount: imagesPerRun,
  timeout: 60,
});
const uploaded = result['2xx'];
const wallMs = result.duration * 1000;
console.log(
  `${`POST /images/upload, ${parallel} at a time`.padEnd(36)} ${((uploaded * 1000) / wallMs).toFixed(2).padStart(6)} images/s  ${(
    (uploaded * VARIANTS_PER_IMAGE * 1000) /
    wallMs
  )
    .toFixed(2)
    .padStart(
      6,
    )} variants/s  latency p50 ${result.latency.p50} ms, p97.5 ${result.latency.p97_5} ms; ${uploaded}/${imagesPerRun} answered 201, ${result.non2xx} other, ${result.errors} errors`,
);
if (uploaded !== imagesPerRun) process.exitCode = 1;

await bench.close();
