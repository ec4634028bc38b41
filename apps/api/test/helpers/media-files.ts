import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
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

/**
 * 4000×3000 pixels as stored, left half red and right half blue, with EXIF orientation 6 (shown
 * turned 90° clockwise: 3000×4000, red on top) and a GPS position.
 */
async function cameraJpeg(): Promise<Buffer> {
  const blue = await sharp({
    create: { width: 2000, height: 3000, channels: 3, background: { r: 30, g: 30, b: 220 } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 220, g: 30, b: 30 } } })
    .composite([{ input: blue, left: 2000, top: 0 }])
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'PBShopCam' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '37/1 33/1 59/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '126/1 58/1 41/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A real 30000×30000 one-bit PNG (900 megapixels, every row zero) of about 100 KB. */
function pngBomb(): Buffer {
  const side = 30_000;
  // one-bit greyscale, each row: filter byte 0 and side/8 zero bytes
  return pngDeclaring(side, side, { bitDepth: 1, colorType: 0 }, Buffer.alloc((1 + side / 8) * side));
}

/**
 * A PNG whose header declares width × height, with `pixels` (raw scanlines, deflated here) as its
 * data: a decompression bomb's header costs a few hundred bytes however large it declares.
 */
export function pngDeclaring(
  width: number,
  height: number,
  { bitDepth = 8, colorType = 2 }: { bitDepth?: number; colorType?: number } = {},
  pixels: Buffer = Buffer.alloc(64 * 1024),
): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
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
  /** a 12-megapixel camera photo with EXIF orientation 6 and GPS tags (see cameraJpeg) */
  cameraJpeg,
  /** a 30000×30000 PNG bomb of about 100 KB (see pngBomb) */
  pngBomb,
};
