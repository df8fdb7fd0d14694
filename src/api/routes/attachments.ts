import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accessRules, requireItem } from '../../auth/access-policy.js';
import type { Config } from '../../config/load-config.js';
import { LazaretError } from '../../core/errors.js';
import { openAttachment } from '../../preview/message-attachment.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { ItemStore } from '../../store/item-store.js';
import { liveItem } from '../item-access.js';
import { errorResponses, IdString, IndexString } from '../schemas.js';

const AttachmentParams = Type.Object({
  id: IdString('Item id (ULID).'),
  index: IndexString('Position in the item’s `attachments` list: 0, 1, 2 … in plain decimal digits.'),
});

/** `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback (RFC 6266). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'attachment';
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** What the attachment routes use. */
export interface AttachmentRouteDeps {
  config: Pick<Config, 'access'>;
  items: ItemStore;
  blobs: BlobStore;
}

export const attachmentRoutes =
  (context: AttachmentRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/quarantine/:id/attachments/:index',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary:
            "Download one attachment, decoded, always as application/octet-stream. Attachments of mail held as malware: only for those who may release it (`access.malwareRelease`); the item's `allowedActions` lists `download_attachment` when allowed.",
          params: AttachmentParams,
          produces: ['application/octet-stream'],
          response: {
            200: Type.Unsafe({ type: 'string', format: 'binary' }),
            ...errorResponses(400, 401, 403, 404, 503),
          },
        },
      },
      async (request, reply) => {
        const item = requireItem(
          request.actor,
          await liveItem(context, request.actor, request.params.id),
          'download_attachment',
          accessRules(context.config),
          request.params.id,
        );
        const index = Number(request.params.index);
        const opened = await openAttachment(await context.blobs.get(item.messageId), index);
        if (!opened) {
          throw new LazaretError('not_found', 'The message has no such attachment.', {
            itemId: item.id,
            index,
          });
        }
        return reply
          .header('content-type', 'application/octet-stream')
          .header('content-disposition', attachmentDisposition(opened.filename ?? `attachment-${index}`))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .send(opened.content);
      },
    );
  };
