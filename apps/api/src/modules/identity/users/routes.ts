import { open } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  page,
  pagedEnvelope,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { PROFILE_IMAGE_MAX_BYTES, type ProfileImageStore, toProfileWebp } from './profile-image.ts';
import {
  type Badge,
  imageUrlResponse,
  mediaParams,
  type ProfileResponse,
  profileResponse,
  statusBody,
  type UserResponse,
  updateMeBody,
  updateProfileBody,
  userIdParams,
  userListQuery,
  userResponse,
} from './schemas.ts';
import type { UserRow, UsersService } from './service.ts';

const say = localizedMessages({
  withdrawn: {
    ko: '회원 탈퇴가 완료되었습니다.',
    en: 'Your membership has been withdrawn.',
    ja: '退会が完了しました。',
  },
  imageDeleted: {
    ko: '프로필 이미지가 삭제되었습니다.',
    en: 'The profile image has been deleted.',
    ja: 'プロフィール画像を削除しました。',
  },
});

/** The member behind a 'user'/'admin' route (set by the access guard). */

/**
 * The one file of a multipart body, the whole body read. Past the limits the plugin throws
 * FST_REQ_FILE_TOO_LARGE (→ 413 FILE_TOO_LARGE) or FST_FILES_LIMIT (a second file → 400); a body
 * busboy cannot parse (no boundary, cut short) is a 400, not a 500.
 */
async function readOneFile(request: FastifyRequest): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') bytes = await part.toBuffer();
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_FILES_LIMIT') {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: 'file', message: 'send exactly one file' }],
        cause: error,
      });
    }
    if (error instanceof AppError || ((error as { statusCode?: number }).statusCode ?? 500) < 500)
      throw error;
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: 'body', message: 'malformed multipart/form-data body' }],
      cause: error,
    });
  }
  if (!bytes) {
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: 'file', message: 'a multipart file part is required' }],
    });
  }
  return bytes;
}

const errors = errorResponses(400, 401, 403, 404);

/** Members: my account, my profile and image, public profiles, and the admin's member list (USER-01..09). */
export interface UserRoutesDeps {
  users: UsersService;
  profileImages: ProfileImageStore;
  /** ends every session of a member (the auth module's refresh tokens) */
  revokeSessions(userId: number): Promise<void>;
  /** the badges each member holds (the badges module), one query for a page of members */
  heldBadges(userIds: readonly number[]): Promise<Map<number, Badge[]>>;
}

export function userRoutes({
  users,
  profileImages: images,
  revokeSessions,
  heldBadges,
}: UserRoutesDeps): FastifyPluginAsync {
  const toUser = (row: UserRow, badges: Badge[]): UserResponse => ({
    id: row.id,
    email: row.email,
    name: row.name,
    phone: row.phone,
    // the storefront types nickname `string` and reads it: '' until the member sets one
    nickname: row.nickname ?? '',
    bio: row.bio,
    profileImageUrl: images.url(row.profileImagePath),
    role: row.role,
    status: row.status,
    point: row.point,
    badges,
    emailVerified: row.emailVerifiedAt !== null,
    createdAt: row.createdAt.toISOString(),
  });
  const toProfile = (row: UserRow, badges: Badge[]): ProfileResponse => ({
    id: row.id,
    nickname: row.nickname ?? '',
    bio: row.bio,
    profileImageUrl: images.url(row.profileImagePath),
    badges,
    createdAt: row.createdAt.toISOString(),
  });
  const badgesOf = async (userId: number) => (await heldBadges([userId])).get(userId) ?? [];

  /** A file the row no longer points at; failing to delete it must not fail the committed change. */
  const removeQuietly = (request: FastifyRequest, path: string | null) =>
    images.remove(path).catch((error: unknown) => {
      request.log.warn({ err: error, path }, 'profile image file not deleted');
    });

  return async (app) => {
    // only the profile-image upload reads multipart; the limits bound what busboy buffers
    await app.register(multipart, {
      limits: { files: 1, fileSize: PROFILE_IMAGE_MAX_BYTES, fields: 5, fieldSize: 1024, parts: 6 },
    });
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/users/me',
      {
        config: { access: 'user' },
        schema: {
          tags: ['users'],
          summary: 'My account (USER-01)',
          response: { 200: envelope(userResponse), ...errors },
        },
      },
      async (request) => {
        const principal = member(request);
        // read by authentication moments ago, in this request
        const row = principal.account ?? (await users.findById(principal.id));
        if (!row) throw new AppError('USER_NOT_FOUND');
        return ok(toUser(row, await badgesOf(row.id)));
      },
    );

    // PATCH is the contract's, PUT the storefront's (updateMe ep:1463-1469): one handler
    routes.route({
      method: ['PATCH', 'PUT'],
      url: '/users/me',
      config: { access: 'user' },
      schema: {
        tags: ['users'],
        summary:
          "Update my name and phone (USER-02; PUT is the storefront's alias); the password changes only through the auth flows",
        body: updateMeBody,
        response: { 200: envelope(userResponse), ...errors },
      },
      handler: async (request) => {
        const row = await users.updateAccount(member(request).id, request.body);
        if (!row) throw new AppError('USER_NOT_FOUND');
        return ok(toUser(row, await badgesOf(row.id)));
      },
    });

    routes.delete(
      '/users/me',
      {
        config: { access: 'user' },
        schema: {
          tags: ['users'],
          summary: 'Withdraw (USER-03): soft delete, every session ended, the e-mail free again',
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        const { id } = member(request);
        const withdrawn = await users.withdraw(id);
        if (!withdrawn) throw new AppError('USER_NOT_FOUND');
        await revokeSessions(id);
        await removeQuietly(request, withdrawn.profileImagePath);
        return ok({ message: say(request, 'withdrawn') });
      },
    );

    routes.get(
      '/users',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['users'],
          summary: 'Members, newest first; search in e-mail and name, filter by status and role (USER-04)',
          querystring: userListQuery,
          response: { 200: pagedEnvelope(userResponse), ...errors },
        },
      },
      async (request) => {
        const { rows, totalCount } = await users.list(request.query);
        const held = await heldBadges(rows.map((row) => row.id));
        return page(
          rows.map((row) => toUser(row, held.get(row.id) ?? [])),
          { page: request.query.page, limit: request.query.limit, totalCount },
        );
      },
    );

    routes.patch(
      '/users/:id/status',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['users'],
          summary: 'Set a member ACTIVE, INACTIVE or BLOCKED (USER-05); leaving ACTIVE ends every session',
          params: userIdParams,
          body: statusBody,
          response: { 200: envelope(userResponse), ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { status } = request.body;
        if (id === member(request).id && status !== 'ACTIVE') {
          throw new AppError('CANNOT_CHANGE_OWN_STATUS');
        }
        const row = await users.setStatus(id, status);
        if (!row) throw new AppError('USER_NOT_FOUND');
        if (status !== 'ACTIVE') await revokeSessions(id);
        return ok(toUser(row, await badgesOf(row.id)));
      },
    );

    // `/users/:id/profile` is the contract's, `/users/profile/:id` the storefront's
    // (fetchPublicProfile ep:2332-2334): one handler under both
    for (const url of ['/users/:id/profile', '/users/profile/:id']) {
      routes.get(
        url,
        {
          config: { access: 'public' },
          schema: {
            tags: ['users'],
            summary:
              url === '/users/:id/profile'
                ? "A member's public profile (USER-06)"
                : "A member's public profile (USER-06; the storefront's path)",
            params: userIdParams,
            response: { 200: envelope(profileResponse), 400: errorBody, 404: errorBody },
          },
        },
        async (request) => {
          const row = await users.findById(request.params.id);
          if (!row) throw new AppError('USER_NOT_FOUND');
          return ok(toProfile(row, await badgesOf(row.id)));
        },
      );
    }

    routes.patch(
      '/users/me/profile',
      {
        config: { access: 'user' },
        schema: {
          tags: ['users'],
          summary: 'Update my nickname and bio (USER-07)',
          body: updateProfileBody,
          response: { 200: envelope(profileResponse), 409: errorBody, ...errors },
        },
      },
      async (request) => {
        const row = await users.updateProfile(member(request).id, request.body);
        if (!row) throw new AppError('USER_NOT_FOUND');
        return ok(toProfile(row, await badgesOf(row.id)));
      },
    );

    routes.post(
      '/users/me/profile-image',
      {
        config: { access: 'user' },
        schema: {
          tags: ['users'],
          summary:
            'Upload or replace my profile image (USER-08): multipart, one JPEG/PNG/WebP/GIF file ≤ 5 MB, stored as WebP ≤ 512×512',
          consumes: ['multipart/form-data'],
          response: {
            200: envelope(imageUrlResponse),
            ...errors,
            413: errorBody,
            415: errorBody,
          },
        },
      },
      async (request) => {
        const { id } = member(request);
        const bytes = await readOneFile(request);
        const webp = await toProfileWebp(bytes);
        const path = await images.save(id, webp);
        const replaced = await users.replaceProfileImage(id, path).catch(async (error: unknown) => {
          await images.remove(path);
          throw error;
        });
        if (!replaced) {
          await images.remove(path);
          throw new AppError('USER_NOT_FOUND');
        }
        await removeQuietly(request, replaced.previous);
        return ok({ imageUrl: images.url(path)! });
      },
    );

    routes.delete(
      '/users/me/profile-image',
      {
        config: { access: 'user' },
        schema: {
          tags: ['users'],
          summary: 'Delete my profile image (USER-09): back to the default',
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        const replaced = await users.replaceProfileImage(member(request).id, null);
        if (!replaced) throw new AppError('USER_NOT_FOUND');
        await removeQuietly(request, replaced.previous);
        return ok({ message: say(request, 'imageDeleted') });
      },
    );
  };
}

/**
 * Serves stored profile images at `/media/profile-images/<userId>/<file>.webp` (outside /api/v1:
 * `imageUrl` is `PUBLIC_BASE_URL/media/...`). The path parts are validated strictly, so no
 * traversal reaches the file system.
 */
export function profileImageMediaRoutes({
  profileImages: images,
  rateLimitPerMinute,
}: {
  profileImages: ProfileImageStore;
  rateLimitPerMinute: number;
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.get(
      '/media/profile-images/:userId/:file',
      {
        // pages show many avatars: a wider limit than the API's
        config: {
          access: 'public',
          rateLimit: { max: rateLimitPerMinute * 10, timeWindow: 60_000 },
        },
        schema: {
          tags: ['users'],
          summary: 'A stored profile image (WebP)',
          params: mediaParams,
          response: {
            200: {
              description: 'the WebP image',
              content: { 'image/webp': { schema: z.string().describe('binary') } },
            },
            400: errorBody,
            404: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { userId, file } = request.params;
        const path = images.absolute(`profile-images/${userId}/${file}`);
        // opened once: a file deleted meanwhile is either streamed whole or a 404, never a 500
        const handle = path ? await open(path, 'r').catch(() => undefined) : undefined;
        const info = await handle?.stat().catch(() => undefined);
        if (!handle || !info?.isFile()) {
          await handle?.close();
          throw new AppError('NOT_FOUND');
        }
        return (
          reply
            .type('image/webp')
            .header('content-length', info.size)
            .header('cache-control', 'public, max-age=31536000, immutable')
            // helmet's default same-origin policy would stop the storefront (another origin) showing it
            .header('cross-origin-resource-policy', 'cross-origin')
            // a stream is sent as is; the 200 schema only documents the content type
            .send(handle.createReadStream() as never)
        );
      },
    );
  };
}
