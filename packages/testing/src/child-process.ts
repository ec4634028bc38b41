import { type ChildProcess, spawn } from 'node:child_process';

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface RunningProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr: string[];
  /** resolves with the first JSON log line the predicate accepts */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** sends a signal and resolves with how the process ended and how long it took */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript entry point with Node as its own process, capturing its JSON log lines. */
export function spawnProcess(entry: string, env: Record<string, string>, cwd?: string): RunningProcess {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`process exited before the awaited log line; stderr: ${stderr.join('')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; last lines: ${JSON.stringify(logs.slice(-5))}; stderr: ${stderr.join('')}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
    const started = performance.now();
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await exited;
    clearTimeout(timer);
    return { ...result, ms: performance.now() - started };
  };

  return { child, logs, stderr, waitForLog, stop, exited };
}

/** Spawns processes of one entry point and makes sure none outlives the test that started it. */
export function trackProcesses(entry: string) {
  const running = new Set<RunningProcess>();
  return {
    spawn(env: Record<string, string>): RunningProcess {
      const started = spawnProcess(entry, env);
      running.add(started);
      // should the test process end without its hooks (a runner bailing out), the child goes too
      const orphanGuard = () => {
        if (started.child.exitCode === null && started.child.signalCode === null)
          started.child.kill('SIGTERM');
      };
      process.once('exit', orphanGuard);
      void started.exited.then(() => process.off('exit', orphanGuard));
      return started;
    },
    async stopAll(): Promise<void> {
      await Promise.all([...running].map((started) => started.stop('SIGTERM', 10_000)));
      running.clear();
    },
  };
}

/** Resolves once a process's stdout and stderr have closed: everything it wrote has been read. */
export async function outputClosed(running: RunningProcess): Promise<void> {
  await Promise.all(
    [running.child.stdout, running.child.stderr].map((stream) =>
      !stream || stream.closed
        ? undefined
        : new Promise<void>((resolve) => stream.once('close', () => resolve())),
    ),
  );
}
