import { spawn } from 'node:child_process';

/** Why an FFmpeg run ended without success; the job decides from it whether a retry can help. */
export type FfmpegFailure = 'missing-binary' | 'exit' | 'aborted';

export class FfmpegError extends Error {
  readonly failure: FfmpegFailure;
  constructor(failure: FfmpegFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FfmpegError';
    this.failure = failure;
  }
}

export interface FfmpegRun {
  bin: string;
  args: string[];
  /** aborting kills FFmpeg (SIGKILL); the run rejects only once the process has exited */
  signal: AbortSignal;
  /** called with the encoded position (ms of output) as FFmpeg reports it on `-progress pipe:1` */
  onProgress?: (outTimeMs: number) => void;
}

/** how many of FFmpeg's last stderr lines a failure reports */
const STDERR_LINES = 8;

/**
 * Runs FFmpeg once. Progress comes from `-progress pipe:1` (key=value blocks on stdout, each ended
 * by `progress=continue|end`); errors from stderr at `-loglevel error`, whose last lines become the
 * failure's message. The promise settles after the process has exited, so a caller that removes
 * the output folder next never races a still-writing FFmpeg, and an abort leaves no orphan.
 */
export function runFfmpeg({ bin, args, signal, onProgress }: FfmpegRun): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new FfmpegError('aborted', 'aborted before FFmpeg started', { cause: signal.reason }));
      return;
    }
    const child = spawn(
      bin,
      ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    let outTimeMs = 0;
    let spawnError: NodeJS.ErrnoException | undefined;

    const kill = () => child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });

    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const line of lines) {
        const [key, value] = line.trim().split('=', 2);
        // out_time_us is in microseconds ("N/A" before the first frame)
        if (key === 'out_time_us' && value && /^\d+$/.test(value)) outTimeMs = Number(value) / 1000;
        else if (key === 'progress') onProgress?.(outTimeMs);
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
    });
    child.once('close', (code, exitSignal) => {
      signal.removeEventListener('abort', kill);
      if (spawnError) {
        reject(
          spawnError.code === 'ENOENT' || spawnError.code === 'EACCES'
            ? new FfmpegError('missing-binary', `FFMPEG_BIN not found: ${bin} (${spawnError.code})`, {
                cause: spawnError,
              })
            : spawnError,
        );
      } else if (signal.aborted) {
        reject(new FfmpegError('aborted', 'FFmpeg stopped: the job was aborted', { cause: signal.reason }));
      } else if (code === 0) {
        resolve();
      } else {
        const lastLines = stderr.trim().split('\n').slice(-STDERR_LINES).join('\n');
        const how = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${code}`;
        reject(new FfmpegError('exit', `FFmpeg ${how}: ${lastLines || 'no error output'}`));
      }
    });
  });
}
