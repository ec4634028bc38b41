// Imported first by main.ts, so that every way of starting the API (the image's `node
// src/main.ts`, pnpm start, scripts/dev.sh, the tests' and benches' child processes) runs with it:
// NODE_OPTIONS refuses this flag, and V8 reads it at each collection, so setting it here works.
import { setFlagsFromString } from 'node:v8';

// Every socket read allocates a fresh 64 KiB buffer outside the JS heap. By default each ~64 MB of
// such external memory starts a major collection of the whole heap on its own: 2-5 per 100 MB
// upload, 0.1-0.4 s of CPU on the API's heap. Accounted within the heap's global limit instead,
// with the 1 MB young generation the start scripts give the API (`--max-semi-space-size=1`, which
// V8 reads only at start), the buffers die in scavenges of a few milliseconds and no major
// collection runs (docs/runbook.md §21, bench:upload).
setFlagsFromString('--external-memory-accounted-in-global-limit');
