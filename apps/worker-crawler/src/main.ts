import { runWorkerProcess } from '@pbshop/queues';
import { buildCrawlerProcessors } from './processor.ts';

await runWorkerProcess('worker-crawler', buildCrawlerProcessors);
