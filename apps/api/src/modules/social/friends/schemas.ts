import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const memberParams = z.object({ userId: entityIdText });
export const friendshipParams = z.object({ friendshipId: entityIdText });

/** A friend, or the other side of a pending request, as the storefront lists them. */
export const friendListItem = z.object({
  friendshipId: entityId,
  userId: entityId.describe('the other member'),
  nickname: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  status: z.enum(['PENDING', 'ACCEPTED']),
  since: z.string().nullable().describe('when the request was accepted (null while pending)'),
  requestedAt: z.string(),
});
export type FriendListItem = z.infer<typeof friendListItem>;

/** One entry of the friends' activity feed (ACCEPTED friends only, none of a blocked member). */
export const friendFeedItem = z.object({
  id: entityId,
  userId: entityId,
  nickname: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  type: z.string(),
  message: z.string().describe("a sentence in the request's language"),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});
export type FriendFeedItem = z.infer<typeof friendFeedItem>;
