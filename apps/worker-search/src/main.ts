import { runWorkerProcess } from '@pbshop/queues';
import { buildSearchProcessors } from './processor.ts';

// the processors enqueue their own bootstrap job and sweep schedule once Redis answers
await runWorkerProcess('worker-search', buildSearchProcessors);
