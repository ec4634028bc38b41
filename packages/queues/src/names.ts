/** The five queues of PBShop; the ops runbook and the queue admin API name exactly these. */
export const queueNames = [
  'activity-log',
  'video-transcode',
  'crawler-collect',
  'search-index-sync',
  'push-delivery',
] as const;

export type QueueName = (typeof queueNames)[number];

export function isQueueName(value: string): value is QueueName {
  return (queueNames as readonly string[]).includes(value);
}
