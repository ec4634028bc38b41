import { execFile } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { MediaKind } from '../../../http/uploads.ts';

const run = promisify(execFile);

/** What probing a stored file found: the columns, and the rest for `metadata`. */
export interface ProbeResult {
  width: number | null;
  height: number | null;
  durationMs: number | null;
  details: Record<string, unknown>;
}

/** ffprobe beside FFMPEG_BIN (`/usr/bin/ffmpeg` → `/usr/bin/ffprobe`; a bare `ffmpeg` → `ffprobe` on PATH). */
export function ffprobeBeside(ffmpegBin: string): string {
  const name = basename(ffmpegBin).replace(/ffmpeg/, 'ffprobe');
  return ffmpegBin.includes('/') ? join(dirname(ffmpegBin), name) : name;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

/**
 * Probes a file: ffprobe for audio and video (duration, the video stream's displayed size,
 * codecs), sharp's header read for images (no pixels decoded), nothing for documents. A file
 * ffprobe cannot read is refused by the caller (`undefined`).
 */
export function mediaProber({ ffprobeBin, timeoutMs = 30_000 }: { ffprobeBin: string; timeoutMs?: number }) {
  async function probeAv(path: string): Promise<ProbeResult | undefined> {
    let output: string;
    try {
      ({ stdout: output } = await run(
        ffprobeBin,
        ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
        { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      ));
    } catch {
      return undefined;
    }
    const parsed = JSON.parse(output) as {
      streams?: FfprobeStream[];
      format?: { duration?: string; format_name?: string; bit_rate?: string };
    };
    const streams = parsed.streams ?? [];
    const video = streams.find((stream) => stream.codec_type === 'video');
    const audio = streams.find((stream) => stream.codec_type === 'audio');
    if (!video && !audio) return undefined;
    const seconds = Number(parsed.format?.duration);
    const rotation = Math.abs(
      Number(
        video?.side_data_list?.find((side) => side.rotation !== undefined)?.rotation ??
          video?.tags?.rotate ??
          0,
      ),
    );
    // a phone's portrait clip is often stored landscape with a 90° rotation: the displayed size counts
    const turned = rotation === 90 || rotation === 270;
    const width = video?.width ?? null;
    const height = video?.height ?? null;
    return {
      width: turned ? height : width,
      height: turned ? width : height,
      durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : null,
      details: {
        container: parsed.format?.format_name ?? null,
        bitRate: parsed.format?.bit_rate ? Number(parsed.format.bit_rate) : null,
        videoCodec: video?.codec_name ?? null,
        frameRate: video?.avg_frame_rate ?? null,
        audioCodec: audio?.codec_name ?? null,
        sampleRate: audio?.sample_rate ? Number(audio.sample_rate) : null,
        channels: audio?.channels ?? null,
        ...(rotation ? { rotation } : {}),
      },
    };
  }

  async function probeImage(path: string): Promise<ProbeResult | undefined> {
    try {
      // the header only: a decompression bomb costs nothing here
      const meta = await sharp(path, { limitInputPixels: false }).metadata();
      const turned = (meta.orientation ?? 1) >= 5;
      return {
        width: (turned ? meta.height : meta.width) ?? null,
        height: (turned ? meta.width : meta.height) ?? null,
        durationMs: null,
        details: {
          format: meta.format ?? null,
          space: meta.space ?? null,
          hasAlpha: meta.hasAlpha ?? null,
          ...(meta.pages && meta.pages > 1 ? { frames: meta.pages } : {}),
        },
      };
    } catch {
      return undefined;
    }
  }

  return {
    async probe(kind: MediaKind, path: string): Promise<ProbeResult | undefined> {
      if (kind === 'VIDEO' || kind === 'AUDIO') return probeAv(path);
      if (kind === 'IMAGE') return probeImage(path);
      return { width: null, height: null, durationMs: null, details: {} };
    },
  };
}

export type MediaProber = ReturnType<typeof mediaProber>;
