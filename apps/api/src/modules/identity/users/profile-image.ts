import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { AppError } from '@pbshop/errors';
import sharp from 'sharp';

export const PROFILE_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
export const PROFILE_IMAGE_MAX_SIDE = 512;
/** Refused before decoding: a few-KB PNG may declare 50000×50000 (a decompression bomb). */
export const PROFILE_IMAGE_MAX_INPUT_PIXELS = 40_000_000;
export const PROFILE_IMAGE_FOLDER = 'profile-images';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';

/** The format by its magic number; the client's content type and file name are not trusted. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  const head = bytes.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

/**
 * Decodes the upload and re-encodes it as a WebP of at most 512×512 (orientation applied,
 * metadata dropped: sharp writes none unless asked). Damaged or truncated data is INVALID_IMAGE,
 * too many pixels IMAGE_DIMENSIONS_TOO_LARGE, anything not JPEG/PNG/WebP/GIF MEDIA_TYPE_NOT_ALLOWED.
 */
export async function toProfileWebp(bytes: Buffer): Promise<Buffer> {
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new AppError('MEDIA_TYPE_NOT_ALLOWED', { details: { allowed: ['jpeg', 'png', 'webp', 'gif'] } });
  }
  const options = {
    limitInputPixels: PROFILE_IMAGE_MAX_INPUT_PIXELS,
    // a warning (e.g. "premature end of JPEG file") fails the decode rather than leaving grey rows
    failOn: 'warning' as const,
    // first frame only for an animated GIF or WebP
    animated: false,
  };
  let width: number | undefined;
  let height: number | undefined;
  let detected: string | undefined;
  try {
    // reads the header only: a pixel bomb is refused here, before anything is decoded
    ({ width, height, format: detected } = await sharp(bytes, options).metadata());
  } catch (error) {
    throw decodeFailure(error);
  }
  if (detected !== format) throw new AppError('INVALID_IMAGE', { details: { declared: format, detected } });
  if (!width || !height) throw new AppError('INVALID_IMAGE');
  if (width * height > PROFILE_IMAGE_MAX_INPUT_PIXELS) {
    throw new AppError('IMAGE_DIMENSIONS_TOO_LARGE', {
      details: { width, height, maxPixels: PROFILE_IMAGE_MAX_INPUT_PIXELS },
    });
  }
  try {
    return await sharp(bytes, options)
      .rotate()
      .resize({
        width: PROFILE_IMAGE_MAX_SIDE,
        height: PROFILE_IMAGE_MAX_SIDE,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .webp({ quality: 82, effort: 4 })
      .toBuffer();
  } catch (error) {
    throw decodeFailure(error);
  }
}

/** sharp's failures as catalog errors: over the pixel limit, or undecodable. */
function decodeFailure(error: unknown): AppError {
  if (/pixel limit/i.test(String((error as Error | undefined)?.message))) {
    return new AppError('IMAGE_DIMENSIONS_TOO_LARGE', {
      details: { maxPixels: PROFILE_IMAGE_MAX_INPUT_PIXELS },
      cause: error,
    });
  }
  return new AppError('INVALID_IMAGE', { cause: error });
}

/** Profile images on disk: `<STORAGE_DIR>/profile-images/<userId>/<random>.webp`; the row keeps the relative path. */
export function profileImageStore(storageDir: string, publicBaseUrl: string) {
  const root = resolve(storageDir);
  const folder = resolve(root, PROFILE_IMAGE_FOLDER);
  const base = publicBaseUrl.replace(/\/+$/, '');

  /** The absolute path of a stored relative path, or undefined if it would leave the image folder. */
  function absolute(relativePath: string): string | undefined {
    const path = resolve(root, relativePath);
    return path.startsWith(folder + sep) ? path : undefined;
  }

  return {
    absolute,

    url(relativePath: string | null): string | null {
      return relativePath === null ? null : `${base}/media/${relativePath}`;
    },

    /** Writes under a temporary name and renames, so a reader never sees half a file. */
    async save(userId: number, webp: Buffer): Promise<string> {
      const relativePath = `${PROFILE_IMAGE_FOLDER}/${userId}/${randomBytes(16).toString('hex')}.webp`;
      const path = absolute(relativePath);
      if (!path) throw new Error(`profile image path outside the store: ${relativePath}`);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${dirname(path)}/.${randomBytes(8).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, webp, { flag: 'wx' });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return relativePath;
    },

    /** Deletes a stored file; a missing file (or a path outside the folder) is ignored. */
    async remove(relativePath: string | null): Promise<void> {
      if (!relativePath) return;
      const path = absolute(relativePath);
      if (path) await rm(path, { force: true });
    },
  };
}

export type ProfileImageStore = ReturnType<typeof profileImageStore>;
