import type { Principal } from '../../../http/principal.ts';
import type { MediaFilesService } from '../../media/files/service.ts';
import type { SupportTicketsDeps } from './service.ts';

type TicketFiles = Pick<SupportTicketsDeps, 'recordFiles' | 'removeFiles' | 'describeFiles'>;

/** A ticket's files through the media module's service: recorded as SUPPORT files owned by the ticket. */
export function ticketFiles(
  mediaFiles: Pick<MediaFilesService, 'record' | 'remove' | 'find' | 'toAsset'>,
): TicketFiles {
  const describe = (asset: ReturnType<MediaFilesService['toAsset']>) => ({
    id: asset.id,
    url: asset.fileUrl,
    mime: asset.mime,
    size: asset.size,
    originalName: asset.originalName,
  });
  return {
    recordFiles: async (files, uploaderId, ticketId) =>
      (await mediaFiles.record(files, uploaderId, { type: 'SUPPORT', id: ticketId })).map(describe),
    async removeFiles(fileIds, uploaderId) {
      // the uploader may delete their own files
      const uploader: Principal = {
        id: uploaderId,
        role: 'USER',
        tokenVersion: 0,
      };
      await Promise.allSettled(fileIds.map((id) => mediaFiles.remove(id, uploader)));
    },
    async describeFiles(fileIds) {
      const rows = await Promise.all(fileIds.map((id) => mediaFiles.find(id)));
      return rows.flatMap((row) => (row ? [describe(mediaFiles.toAsset(row))] : []));
    },
  };
}
