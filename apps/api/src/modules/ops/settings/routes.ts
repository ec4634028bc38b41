import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../audit/service.ts';
import {
  extensionList,
  extensionsBody,
  reviewPolicy,
  reviewPolicyBody,
  uploadLimits,
  uploadLimitsBody,
} from './schemas.ts';
import type { SettingsService } from './service.ts';

export interface SettingsRoutesDeps {
  settings: SettingsService;
  /** the admin audit trail: every change is recorded with who made it and what it asked */
  audit: AdminAuditService['run'];
}

const errors = errorResponses(400, 401, 403);

/**
 * Admin settings (API §45, ops contract §2.B.9, ADMN-10..13), ADMIN only: the allowed upload
 * extensions, the upload size limits per kind (MB) and the review policy. A change applies to
 * every replica within two seconds, without a restart.
 */
export function settingsRoutes({ settings, audit }: SettingsRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['admin settings'];

    routes.get(
      '/admin/settings/extensions',
      {
        config: admin,
        schema: {
          tags,
          summary: 'The allowed upload extensions',
          response: { 200: envelope(extensionList), ...errors },
        },
      },
      async () => ok({ extensions: await settings.extensions() }),
    );

    routes.post(
      '/admin/settings/extensions',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Replace the allowed upload extensions (known formats only; the type is still decided by magic number)',
          body: extensionsBody,
          response: { 200: envelope(extensionList), ...errors },
        },
      },
      async (request) => {
        const { id } = member(request);
        const extensions = await audit(
          {
            actorId: id,
            action: 'settings.extensions.replace',
            target: 'upload.extensions',
            requestId: request.id,
            request: { extensions: request.body.extensions },
          },
          () => settings.setExtensions(request.body.extensions, id),
          (saved) => ({ extensions: saved }),
        );
        return ok({ extensions });
      },
    );

    routes.get(
      '/admin/settings/upload-limits',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Upload size limits per media kind, in MB (documents are held to the image limit)',
          response: { 200: envelope(uploadLimits), ...errors },
        },
      },
      async () => ok(await settings.uploadLimits()),
    );

    routes.patch(
      '/admin/settings/upload-limits',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Change upload size limits (MB, 1..1024); the kinds not named keep theirs',
          body: uploadLimitsBody,
          response: { 200: envelope(uploadLimits), ...errors },
        },
      },
      async (request) => {
        const { id } = member(request);
        const limits = await audit(
          {
            actorId: id,
            action: 'settings.upload-limits.change',
            target: 'upload.limits',
            requestId: request.id,
            request: request.body,
          },
          () => settings.changeUploadLimits(request.body, id),
          (saved) => ({ ...saved }),
        );
        return ok(limits);
      },
    );

    routes.get(
      '/admin/settings/review-policy',
      {
        config: admin,
        schema: {
          tags,
          summary: 'The review policy: most images on one review, points a review earns',
          response: { 200: envelope(reviewPolicy), ...errors },
        },
      },
      async () => ok(await settings.reviewPolicy()),
    );

    routes.patch(
      '/admin/settings/review-policy',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Change the review policy (maxImageCount 0..100, pointAmount 0..1,000,000)',
          body: reviewPolicyBody,
          response: { 200: envelope(reviewPolicy), ...errors },
        },
      },
      async (request) => {
        const { id } = member(request);
        const policy = await audit(
          {
            actorId: id,
            action: 'settings.review-policy.change',
            target: 'review.policy',
            requestId: request.id,
            request: request.body,
          },
          () => settings.changeReviewPolicy(request.body, id),
          (saved) => ({ ...saved }),
        );
        return ok(policy);
      },
    );
  };
}
