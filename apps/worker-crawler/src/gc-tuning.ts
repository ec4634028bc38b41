// This process's V8 garbage collection, set before anything else is loaded (src/main.ts and the crawl
// bench import it first). V8 takes this flag on the command line or from the process itself, not
// from NODE_OPTIONS; set at start, no allocation site is pretenured after it
// (`--trace-pretenuring-statistics` shows no decision), as with the command-line flag.
import { setFlagsFromString } from 'node:v8';

// Allocation-site pretenuring off: a crawl keeps a few hundred collected pages and a run's page and
// link lists alive across scavenges, V8 then allocates a per-request site's objects straight into
// the old generation, and its collections grow ~10× longer at random. Off, an unchanged page costs
// ~12% less CPU (docs/runbook.md §12: 65 → 57 µs, medians of twelve rounds); the changed
// crawl's offer writes did not slow down.
setFlagsFromString('--no-allocation-site-pretenuring');
