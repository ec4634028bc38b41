import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from './ffmpeg.ts';

export interface EncoderSettings {
  FFMPEG_BIN: string;
  FFMPEG_PRESET: string;
  FFMPEG_CRF: number;
}

/** The frame every rendition has: vertical 9:16 at 720p. */
export const RENDITION_WIDTH = 720;
export const RENDITION_HEIGHT = 1280;
/** HLS segment length; keyframes are forced every 2 s, so every segment starts on one */
export const HLS_SEGMENT_SECONDS = 4;

/** Files of one transcode, relative to its work folder (and to the shortform's storage prefix). */
export const renditionFiles = {
  mp4: 'video.mp4',
  hlsDir: 'hls',
  hlsPlaylist: 'hls/index.m3u8',
  poster: 'poster.jpg',
} as const;

/**
 * Scale to fit 720×1280 keeping the aspect ratio (up or down), then pad to exactly 720×1280 with
 * black: players get one frame size whatever was uploaded (uploads are vertical, so the bars are
 * thin: a 3:4 phone video gets them top and bottom, a 9:16 one none).
 */
const FRAME_FILTER = [
  `scale=${RENDITION_WIDTH}:${RENDITION_HEIGHT}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
  `pad=${RENDITION_WIDTH}:${RENDITION_HEIGHT}:(ow-iw)/2:(oh-ih)/2:color=black`,
  'setsar=1',
  'format=yuv420p',
].join(',');

/** Share of the overall progress each step stands for: the encode is nearly all of the work. */
const ENCODE_SHARE = 90;
const HLS_SHARE = 6;

/**
 * Encodes `source` into `workDir`: an H.264/AAC MP4 with fast start (moov before mdat), an HLS VOD
 * rendition remuxed from it (no second encode: its 2 s keyframes cut 4 s segments) and a JPEG
 * poster. `onProgress` receives 0..99 as the steps advance, measured against `durationMs` (the
 * source's probed duration); the caller reports 100 once the outputs are stored.
 */
export async function encodeRenditions(
  settings: EncoderSettings,
  input: { source: string; workDir: string; durationMs: number },
  onProgress: (percent: number) => void,
  signal: AbortSignal,
): Promise<{ files: string[] }> {
  const { source, workDir, durationMs } = input;
  const ofDuration = (outTimeMs: number) => (durationMs > 0 ? Math.min(1, outTimeMs / durationMs) : 0);
  await mkdir(join(workDir, renditionFiles.hlsDir), { recursive: true });
  const mp4 = join(workDir, renditionFiles.mp4);

  await runFfmpeg({
    bin: settings.FFMPEG_BIN,
    signal,
    onProgress: (outTimeMs) => onProgress(Math.floor(ofDuration(outTimeMs) * ENCODE_SHARE)),
    args: [
      '-i',
      source,
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-vf',
      FRAME_FILTER,
      '-c:v',
      'libx264',
      '-preset',
      settings.FFMPEG_PRESET,
      '-crf',
      String(settings.FFMPEG_CRF),
      '-profile:v',
      'high',
      '-force_key_frames',
      'expr:gte(t,n_forced*2)',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-movflags',
      '+faststart',
      mp4,
    ],
  });

  await runFfmpeg({
    bin: settings.FFMPEG_BIN,
    signal,
    onProgress: (outTimeMs) => onProgress(ENCODE_SHARE + Math.floor(ofDuration(outTimeMs) * HLS_SHARE)),
    args: [
      '-i',
      mp4,
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'hls',
      '-hls_time',
      String(HLS_SEGMENT_SECONDS),
      '-hls_playlist_type',
      'vod',
      '-hls_segment_filename',
      join(workDir, renditionFiles.hlsDir, 'segment-%03d.ts'),
      join(workDir, renditionFiles.hlsPlaylist),
    ],
  });

  // a frame a second in (or from the middle of a shorter clip): the first is often black
  const posterAt = Math.min(1, durationMs / 2000);
  await runFfmpeg({
    bin: settings.FFMPEG_BIN,
    signal,
    args: [
      '-ss',
      posterAt.toFixed(3),
      '-i',
      mp4,
      '-frames:v',
      '1',
      '-q:v',
      '3',
      join(workDir, renditionFiles.poster),
    ],
  });
  onProgress(99);

  const segments = (await readdir(join(workDir, renditionFiles.hlsDir))).filter((name) =>
    name.endsWith('.ts'),
  );
  return {
    files: [
      renditionFiles.mp4,
      renditionFiles.hlsPlaylist,
      ...segments.sort().map((name) => `${renditionFiles.hlsDir}/${name}`),
      renditionFiles.poster,
    ],
  };
}
