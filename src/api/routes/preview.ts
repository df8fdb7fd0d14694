import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config/load-config.js';
import { readMessageContent } from '../../preview/message-content.js';
import { renderPreview } from '../../preview/message-preview.js';
import { previewCsp } from '../../preview/preview-document.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { ItemStore } from '../../store/item-store.js';
import { liveItem } from '../item-access.js';
import { errorResponses, ItemIdParams } from '../schemas.js';

const ContentResponse = Type.Object({
  headers: Type.Array(Type.Object({ name: Type.String(), value: Type.String() }), {
    description: 'Every top-level header line in order, unfolded.',
  }),
  html: Type.Boolean({ description: 'The message has an HTML part.' }),
  text: Type.Boolean({ description: 'The message has a plain text part.' }),
  remoteResources: Type.Integer({
    description: 'Remote images, backgrounds, style sheets and fonts the HTML preview holds back.',
  }),
  inlineImages: Type.Integer({ description: 'Embedded (cid:) images shown in the preview.' }),
  problems: Type.Array(Type.String(), { description: 'Parts that were cut or left out.' }),
});

const PreviewQuery = Type.Object({
  part: Type.Enum(['html', 'text'], {
    default: 'html',
    description: 'Which part to show; the text part stands in when there is no HTML part, and vice versa.',
  }),
  remote: Type.Boolean({
    default: false,
    description: 'Let remote images, style sheets and fonts load (the viewer asked for them).',
  }),
});

/** What the preview routes use. */
export interface PreviewRouteDeps {
  config: Pick<Config, 'access'>;
  items: ItemStore;
  blobs: BlobStore;
}

export const previewRoutes =
  (context: PreviewRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const contentOf = async (messageId: string) => readMessageContent(await context.blobs.get(messageId));

    app.get(
      '/api/quarantine/:id/content',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary: 'All header lines and what the preview of the message will show.',
          params: ItemIdParams,
          response: { 200: ContentResponse, ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request) => {
        const item = await liveItem(context, request.actor, request.params.id);
        const content = await contentOf(item.messageId);
        const preview = renderPreview(content, 'html', false);
        return {
          headers: content.headerLines,
          html: content.html !== undefined,
          text: content.text !== undefined,
          remoteResources: preview.blockedRemote,
          inlineImages: content.inlineImages.size,
          problems: content.problems,
        };
      },
    );

    app.get(
      '/api/quarantine/:id/preview',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary:
            'The message as a safe HTML document: sanitised on the server, served under a CSP that lets no script run and nothing load unless `remote=true`. Show it in an iframe with an empty `sandbox` attribute.',
          params: ItemIdParams,
          querystring: PreviewQuery,
          produces: ['text/html'],
          response: { 200: Type.String(), ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request, reply) => {
        const item = await liveItem(context, request.actor, request.params.id);
        const content = await contentOf(item.messageId);
        const { remote, part } = request.query;
        const preview = renderPreview(content, part as 'html' | 'text', remote);
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', previewCsp(remote))
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('x-dns-prefetch-control', 'off')
          .header('x-frame-options', 'SAMEORIGIN')
          .header('cross-origin-resource-policy', 'same-origin')
          .header('cache-control', 'private, no-store')
          .header('x-lazaret-preview-part', preview.part)
          .send(preview.document);
      },
    );
  };
