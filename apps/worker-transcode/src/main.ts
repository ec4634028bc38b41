import { runWorkerProcess } from '@pbshop/queues';
import { buildTranscodeProcessors } from './processor.ts';

await runWorkerProcess('worker-transcode', buildTranscodeProcessors);
