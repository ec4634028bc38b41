// onShutdownSignal in a real child process: a shutdown that finishes exits 0; one whose step hangs
// is ended by the watchdog with exit 1, and its log line names that step and how long it had run.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const lifecycle = new URL('../src/lifecycle.ts', import.meta.url).href;

/** Starts a process whose shutdown runs `steps` (ms each), SIGTERMs it once ready; its exit and log. */
async function shutDown(steps: [string, number][]) {
  const script = `
    import pino from 'pino';
    import { onShutdownSignal } from ${JSON.stringify(lifecycle)};
    const logger = pino();
    onShutdownSignal(logger, 300, async (_signal, progress) => {
      for (const [step, ms] of ${JSON.stringify(steps)}) {
        progress(step);
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    });
    setInterval(() => {}, 1000);
    console.log(JSON.stringify({ msg: 'ready' }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"ready"')) resolve();
    });
  });
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, elapsedMs: Date.now() - started };
}

describe('onShutdownSignal', () => {
  it('exits 0 once every step has finished', async () => {
    const { code, lines } = await shutDown([
      ['closing the server', 20],
      ['closing the pools', 20],
    ]);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  });

  it('a step that hangs: exit 1 after the grace period, the log naming the step', async () => {
    const { code, lines, elapsedMs } = await shutDown([
      ['closing the server', 20],
      ['waiting for the stuck sweep', 60_000],
    ]);
    expect(code).toBe(1);
    expect(elapsedMs).toBeLessThan(10_000);
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      graceMs: 300,
      step: 'waiting for the stuck sweep',
      stepMs: expect.any(Number),
      msg: expect.stringContaining('while waiting for the stuck sweep'),
    });
  });
});
