import { type QueueProcessor, UnrecoverableError } from '@pbshop/queues';
import webpush from 'web-push';
import type { PushService } from './service.ts';

export interface PushDeliveryDeps {
  push: Pick<
    PushService,
    'vapidDetails' | 'deliveryTarget' | 'recordDelivered' | 'recordFailure' | 'deactivate'
  >;
  /** one send is abandoned after this long (and retried) */
  timeoutMs: number;
}

// how long a push service keeps a push for an offline browser; a price or a deal is stale after a day
const TTL_SECONDS = 24 * 60 * 60;
// what of a push service's refusal the subscription's last_error and the failed job keep
const REASON_LIMIT = 300;

/**
 * Sends one push (web-push builds the VAPID JWT and the aes128gcm record, RFC 8291/8292; fetch
 * carries it, without following redirects). The push service's answer decides: 2xx delivered;
 * 404/410 the subscription is gone, so it is deactivated and not retried; 429 and 5xx (and network
 * failures) are retried with the queue's backoff; any other 4xx fails the job with the reason.
 */
export function pushDeliveryProcessor(deps: PushDeliveryDeps): QueueProcessor<'push-delivery'> {
  return {
    queue: 'push-delivery',
    // each job is one small HTTPS request; many may wait on push services at once
    concurrency: 16,
    async process(payload, { signal }) {
      const subscription = await deps.push.deliveryTarget(payload.subscriptionId);
      if (!subscription?.isActive) return { skipped: 'subscription inactive or gone' };
      if (subscription.expirationTime && subscription.expirationTime.getTime() <= Date.now()) {
        await deps.push.deactivate(subscription.id, 'subscription expired');
        return { deactivated: 'expired' };
      }
      // a job queued by a process with the keys, taken by one without: retried until a keyed process takes it
      const vapid = deps.push.vapidDetails();
      if (!vapid) throw new Error('PUSH_NOT_CONFIGURED: VAPID keys are not set in this process');

      const request = webpush.generateRequestDetails(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dhKey, auth: subscription.authKey },
        },
        JSON.stringify({ type: payload.type, ...payload.notification }),
        {
          vapidDetails: vapid,
          TTL: TTL_SECONDS,
          contentEncoding: 'aes128gcm',
          urgency: payload.type === 'CHAT_MESSAGE' ? 'high' : 'normal',
        },
      );
      const headers = Object.fromEntries(
        Object.entries(request.headers)
          // fetch sets the length of the body itself
          .filter(([name]) => name.toLowerCase() !== 'content-length')
          .map(([name, value]) => [name, String(value)]),
      );

      let response: Response;
      try {
        response = await fetch(request.endpoint, {
          method: 'POST',
          headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]),
        });
      } catch (error) {
        const reason = `push service unreachable: ${error instanceof Error ? error.message : String(error)}`;
        await deps.push.recordFailure(subscription.id, reason);
        throw new Error(reason);
      }
      const answer = (await response.text().catch(() => '')).slice(0, REASON_LIMIT);
      const reason = `push service answered ${response.status}${answer ? `: ${answer}` : ''}`;

      if (response.ok) {
        await deps.push.recordDelivered(subscription.id);
        return { delivered: response.status };
      }
      if (response.status === 404 || response.status === 410) {
        await deps.push.deactivate(subscription.id, reason);
        return { deactivated: response.status };
      }
      await deps.push.recordFailure(subscription.id, reason);
      if (response.status === 429 || response.status >= 500) throw new Error(reason);
      throw new UnrecoverableError(reason);
    },
  };
}
