// Preloaded into the API process by bench:upload (`--import`): each garbage collection becomes a
// JSON line on stdout (`bench gc`), so the bench can say how much of an upload's time the
// collector takes. Observing costs nothing the figures would show.
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

const kinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // gc entries carry their kind in `detail`, which the PerformanceEntry type leaves out
    const { detail } = entry as PerformanceEntry & { detail: { kind: number } };
    const kind = kinds[detail.kind] ?? 'other';
    process.stdout.write(`${JSON.stringify({ msg: 'bench gc', kind, ms: entry.duration })}\n`);
  }
}).observe({ entryTypes: ['gc'] });
