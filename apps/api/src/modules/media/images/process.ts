import { AppError } from '@pbshop/errors';
import sharp, { type Metadata, type OutputInfo } from 'sharp';

/**
 * Refused before anything is decoded: a PNG of a few KB may declare 30000×30000 (a decompression
 * bomb, gigabytes once decoded). 50 MP holds every camera photo a shop receives (48 MP phones).
 */
export const IMAGE_MAX_INPUT_PIXELS = 50_000_000;

export const imageVariantTypes = ['THUMBNAIL', 'MEDIUM', 'LARGE'] as const;
export type ImageVariantType = (typeof imageVariantTypes)[number];

/** The longest side of each variant (IMG-02); a smaller image is never enlarged. */
export const VARIANT_LONGEST_SIDE: Readonly<Record<ImageVariantType, number>> = {
  THUMBNAIL: 200,
  MEDIUM: 600,
  LARGE: 1200,
};

/** The formats the Image API takes (contract §31: jpg/png/webp/gif), by sharp's name. */
export const acceptedImageFormats = ['jpeg', 'png', 'webp', 'gif'] as const;
type AcceptedFormat = (typeof acceptedImageFormats)[number];

export interface ProcessedFile {
  bytes: Buffer;
  width: number;
  height: number;
}

export interface ProcessedImage {
  /** the full-size image in its own format: orientation applied, metadata (EXIF, GPS, XMP) dropped */
  original: ProcessedFile & { format: AcceptedFormat; mime: string; extension: string };
  variants: Record<ImageVariantType, ProcessedFile>;
  /** a 16 px blurred WebP as a data URL */
  placeholder: string;
}

const mimeOf: Record<AcceptedFormat, { mime: string; extension: string }> = {
  jpeg: { mime: 'image/jpeg', extension: 'jpg' },
  png: { mime: 'image/png', extension: 'png' },
  webp: { mime: 'image/webp', extension: 'webp' },
  gif: { mime: 'image/gif', extension: 'gif' },
};

const decodeOptions = {
  limitInputPixels: IMAGE_MAX_INPUT_PIXELS,
  // "premature end of JPEG file" fails the decode instead of leaving grey rows
  failOn: 'warning' as const,
  // the first frame of an animated GIF or WebP
  animated: false,
};

/** sharp's failures as catalog errors: over the pixel limit, or undecodable. */
function decodeFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (/pixel limit/i.test(String((error as Error | undefined)?.message))) {
    return new AppError('IMAGE_DIMENSIONS_TOO_LARGE', {
      details: { maxPixels: IMAGE_MAX_INPUT_PIXELS },
      cause: error,
    });
  }
  return new AppError('INVALID_IMAGE', { cause: error });
}

/**
 * The image's header, read before anything is decoded: its format (one the Image API takes, else
 * 415) and its size (a pixel bomb: 413 IMAGE_DIMENSIONS_TOO_LARGE; undecodable: 400 INVALID_IMAGE).
 */
async function acceptedHeader(input: Buffer): Promise<AcceptedFormat> {
  let metadata: Metadata;
  try {
    metadata = await sharp(input, decodeOptions).metadata();
  } catch (error) {
    throw decodeFailure(error);
  }
  const format = metadata.format as string;
  if (!(acceptedImageFormats as readonly string[]).includes(format)) {
    throw new AppError('MEDIA_TYPE_NOT_ALLOWED', {
      details: { detected: format, allowed: ['jpg', 'png', 'webp', 'gif'] },
    });
  }
  const { width, height } = metadata;
  if (!width || !height) throw new AppError('INVALID_IMAGE');
  if (width * height > IMAGE_MAX_INPUT_PIXELS) {
    throw new AppError('IMAGE_DIMENSIONS_TOO_LARGE', {
      details: { width, height, maxPixels: IMAGE_MAX_INPUT_PIXELS },
    });
  }
  return format as AcceptedFormat;
}

/** The image with EXIF orientation applied, re-encoded in its own format without its metadata. */
function encodedOriginal(input: Buffer, format: AcceptedFormat) {
  const pipeline = sharp(input, decodeOptions).rotate();
  return format === 'jpeg'
    ? pipeline.jpeg({ quality: 90 })
    : format === 'png'
      ? pipeline.png()
      : format === 'webp'
        ? pipeline.webp({ quality: 90 })
        : pipeline.gif();
}

/**
 * An image kept as a file rather than through the Image API (a support ticket's attachment): the
 * same header checks, then the original re-encoded without EXIF, GPS or XMP, orientation applied.
 */
export async function stripImageMetadata(input: Buffer): Promise<ProcessedFile & { mime: string }> {
  const format = await acceptedHeader(input);
  try {
    const { data, info } = await encodedOriginal(input, format).toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height, mime: mimeOf[format].mime };
  } catch (error) {
    throw decodeFailure(error);
  }
}

/**
 * Decodes an uploaded image and makes what the Image API stores (IMG-01..05): the original
 * re-encoded without its metadata (a phone photo's GPS position must not be served), the 200 /
 * 600 / 1200 px WebP variants and the placeholder, all with EXIF orientation applied. The header
 * is read first, so a pixel bomb (413 IMAGE_DIMENSIONS_TOO_LARGE) is refused before any decoding;
 * damaged or truncated data is 400 INVALID_IMAGE; a format outside jpg/png/webp/gif 415.
 */
export async function processImage(input: Buffer): Promise<ProcessedImage> {
  const accepted = await acceptedHeader(input);
  try {
    const oriented = () => sharp(input, decodeOptions).rotate();
    // the variants come from one decode at the LARGE size (a JPEG decodes straight at 1/2, 1/4 or
    // 1/8 scale), not one full decode each: the smaller ones are resized from its pixels
    const largeSide = VARIANT_LONGEST_SIDE.LARGE;
    const [original, large] = await Promise.all([
      encodedOriginal(input, accepted).toBuffer({ resolveWithObject: true }),
      oriented()
        .resize({ width: largeSide, height: largeSide, fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ]);
    const pixels = () =>
      sharp(large.data, {
        raw: { width: large.info.width, height: large.info.height, channels: large.info.channels },
      });
    const variant = (type: ImageVariantType) => {
      const side = VARIANT_LONGEST_SIDE[type];
      return pixels()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80, effort: 4 })
        .toBuffer({ resolveWithObject: true });
    };
    const [thumbnail, medium, largeWebp, tiny] = await Promise.all([
      variant('THUMBNAIL'),
      variant('MEDIUM'),
      variant('LARGE'),
      pixels().resize({ width: 16, height: 16, fit: 'inside' }).blur(1).webp({ quality: 40 }).toBuffer(),
    ]);
    const file = ({ data, info }: { data: Buffer; info: OutputInfo }): ProcessedFile => ({
      bytes: data,
      width: info.width,
      height: info.height,
    });
    return {
      original: { ...file(original), format: accepted, ...mimeOf[accepted] },
      variants: { THUMBNAIL: file(thumbnail), MEDIUM: file(medium), LARGE: file(largeWebp) },
      placeholder: `data:image/webp;base64,${tiny.toString('base64')}`,
    };
  } catch (error) {
    throw decodeFailure(error);
  }
}
