// Preloaded into the process under study (`node --import=./memory-probe.ts`, by pnpm bench): counts
// the modules it loads by package (and their source bytes), and on SIGUSR2 appends to
// MEMORY_PROBE_FILE one JSON line of what holds its memory: process.memoryUsage(), the V8 heap
// spaces, V8's code statistics (bytecode and script sources) and the loaded modules by package;
// then the same after a full garbage collection (what is live, not merely not collected yet) and,
// with MEMORY_PROBE_SNAPSHOT_DIR, a heap snapshot of it for bench/report/heap-summary.ts.
import { appendFileSync, statSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

// the collector on demand, without starting the process with --expose-gc (which changes nothing else)
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
let snapshots = 0;

const byPackage = new Map<string, { modules: number; bytes: number }>();

/** node_modules' package of a module, or the workspace folder (apps/api, packages/db…) */
function packageOf(path: string): string {
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const parts = path.slice(inModules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const workspace = /\/(apps|packages)\/([^/]+)\//.exec(path);
  return workspace ? `${workspace[1]}/${workspace[2]} (ours)` : 'other';
}

registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (url.startsWith('file:')) {
      const path = fileURLToPath(url);
      const entry = byPackage.get(packageOf(path)) ?? { modules: 0, bytes: 0 };
      entry.modules += 1;
      entry.bytes += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      byPackage.set(packageOf(path), entry);
    }
    return result;
  },
});

process.on('SIGUSR2', () => {
  const file = process.env.MEMORY_PROBE_FILE;
  if (!file) return;
  const packages = [...byPackage.entries()]
    .map(([name, entry]) => ({ name, ...entry }))
    .sort((a, b) => b.bytes - a.bytes);
  appendFileSync(
    file,
    `${JSON.stringify({
      pid: process.pid,
      at: new Date().toISOString(),
      memoryUsage: process.memoryUsage(),
      heapSpaces: v8.getHeapSpaceStatistics().map((space) => ({
        name: space.space_name,
        used: space.space_used_size,
        size: space.space_size,
      })),
      code: v8.getHeapCodeStatistics(),
      modules: packages.reduce((sum, entry) => sum + entry.modules, 0),
      moduleBytes: packages.reduce((sum, entry) => sum + entry.bytes, 0),
      packages,
      // last: everything above is the heap as the load left it
      ...afterFullCollection(),
    })}\n`,
  );
});

/** process.memoryUsage() after a full collection, and where the heap snapshot of it was written. */
function afterFullCollection(): { afterFullGc: NodeJS.MemoryUsage; snapshot?: string } {
  collectGarbage();
  const afterFullGc = process.memoryUsage();
  const dir = process.env.MEMORY_PROBE_SNAPSHOT_DIR;
  if (!dir) return { afterFullGc };
  snapshots += 1;
  return {
    afterFullGc,
    snapshot: v8.writeHeapSnapshot(join(dir, `api-${process.pid}-${snapshots}.heapsnapshot`)),
  };
}
