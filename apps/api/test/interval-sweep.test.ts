// The in-process sweep runner the trust, badge and auction sweeps share: runs on its interval,
// never two at once, a failed run logged and the next one still scheduled, and stop() waits for
// the run under way. (The advisory lock half is tested through each sweep's own test.)
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@pbshop/config';
import { waitFor } from '@pbshop/testing';
import { describe, expect, it, vi } from 'vitest';
import { startIntervalSweep } from '../src/jobs/interval-sweep.ts';

describe('startIntervalSweep', () => {
  it('runs every interval without overlap, survives a failed run, and stop waits for the run under way', async () => {
    const logger = createLogger({ LOG_LEVEL: 'silent' }, 'interval-sweep-test');
    const errors = vi.spyOn(logger, 'error');
    let runs = 0;
    let running = 0;
    let mostAtOnce = 0;
    const sweep = startIntervalSweep(
      'test sweep',
      async () => {
        runs += 1;
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        // a run longer than the interval: the next one must wait for it
        await sleep(30);
        running -= 1;
        if (runs === 2) throw new Error('the second run fails');
      },
      { intervalMs: 5, logger },
    );
    await waitFor('four runs', () => runs >= 4);
    await sweep.stop();
    expect(running).toBe(0);
    expect(mostAtOnce).toBe(1);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledWith(
      { err: expect.any(Error) },
      'test sweep failed; retried next interval',
    );
    const stoppedAt = runs;
    await sleep(50);
    expect(runs).toBe(stoppedAt);
  });

  it('runs at the start when asked, and a run outliving warnAfterMs is logged once while the next waits for it', async () => {
    const logger = createLogger({ LOG_LEVEL: 'silent' }, 'interval-sweep-test');
    const warnings = vi.spyOn(logger, 'warn');
    let runs = 0;
    let release: () => void = () => {};
    const sweep = startIntervalSweep(
      'stuck sweep',
      async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { intervalMs: 5, logger, runAtStart: true, warnAfterMs: 40 },
    );
    // the first run began at once, before any interval passed
    expect(runs).toBe(1);
    await waitFor('the stuck run reported', () => warnings.mock.calls.length > 0);
    await sleep(60);
    expect(runs).toBe(1);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings).toHaveBeenCalledWith(
      expect.objectContaining({ sweep: 'stuck sweep', runningMs: expect.any(Number) }),
      'stuck sweep still running; the next run waits for it (runbook §2: restart the process if it stays stuck)',
    );
    release();
    await waitFor('runs go on', () => runs >= 3);
    await sweep.stop();
    expect(warnings).toHaveBeenCalledTimes(1);
  });
});
