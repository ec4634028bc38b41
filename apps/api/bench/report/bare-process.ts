// The bare Fastify route (bench/harness.ts) as a process of its own, so pnpm bench can set its
// resident memory beside the API's: prints its URL, stops on SIGTERM.
import { startBareRoute } from '../harness.ts';

const bare = await startBareRoute();
console.log(bare.url);
process.once('SIGTERM', () => void bare.close().then(() => process.exit(0)));
