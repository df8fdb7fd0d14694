import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { carriesHandoffSecret } from '../../auth/handoff-secret.js';
import type { RateLimits } from '../../auth/rate-limits.js';
import { LazaretError } from '../../core/errors.js';
import type { RspamdHandoff } from '../../ingest/rspamd-handoff.js';
import { errorResponses } from '../schemas.js';

/** What the hand-off route uses: the use case and its secret, absent while the hand-off is off. */
export interface RspamdHandoffRouteDeps {
  rspamdHandoff?: { secret: string; handoff: RspamdHandoff } | undefined;
}

const HandoffAnswer = Type.Object({
  messageId: Type.String({
    description: 'The stored message (its raw bytes are kept while an item needs them).',
  }),
  held: Type.Array(Type.Object({ recipient: Type.String(), itemId: Type.String(), reason: Type.String() }), {
    description: 'Recipients held now, one item each.',
  }),
  heldBefore: Type.Array(Type.String(), {
    description: 'Recipients an earlier push of the same bytes held already (a retry): not stored again.',
  }),
  passed: Type.Array(Type.String(), {
    description: "Recipients not held: rspamd's action is not in scanners.rspamd.holdActions.",
  }),
});

/**
 * `POST /api/ingest/rspamd`: rspamd's metadata_exporter (`backend = "http"`, `formatter = "default"`,
 * `meta_headers = true`) pushes the raw message it judged; the envelope and verdict come in its
 * X-Rspamd-* headers. Authenticated by the shared secret before the body is read (constant-time; a
 * wrong one counts as a failed sign-in from the address); the body is streamed, never parsed here.
 * metadata_exporter counts only a 200 as done.
 */
export const rspamdHandoffRoutes =
  (context: RspamdHandoffRouteDeps, limits: RateLimits): FastifyPluginAsyncTypebox =>
  async (app) => {
    // rspamd sends text/plain (its mime_type); any type is the raw message, streamed as it comes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    app.post(
      '/api/ingest/rspamd',
      {
        config: { public: true },
        schema: {
          tags: ['ingest'],
          summary:
            "rspamd hand-off: the raw message as rspamd's metadata_exporter pushes it, envelope and verdict in its X-Rspamd-* headers (docs/integration.md). Needs the shared secret (handoff.rspamd.secret) as the Basic password or a Bearer token. Each recipient is held with rspamd's verdict when its action is one of scanners.rspamd.holdActions; a repeated push of the same bytes adds nothing.",
          security: [{ rspamdHandoff: [] }],
          response: { 200: HandoffAnswer, ...errorResponses(400, 401, 404, 413, 429, 503, 507) },
        },
        onRequest: async (request) => {
          const configured = context.rspamdHandoff;
          if (!configured) {
            throw new LazaretError(
              'handoff_disabled',
              'The rspamd hand-off is off: set handoff.rspamd.secret (or secretFile).',
            );
          }
          await limits.addressAllowed(request.ip);
          if (!carriesHandoffSecret(request.headers.authorization, configured.secret)) {
            await limits.addressFailed(request.ip);
            request.log.warn({ event: 'HANDOFF_AUTH_FAILED', client: request.ip });
            throw new LazaretError(
              'handoff_unauthenticated',
              'Send the hand-off secret: Authorization Basic (any user, the secret as password) or Bearer.',
            );
          }
        },
      },
      async (request) => {
        const { handoff } = context.rspamdHandoff!;
        const announced = request.headers['content-length'];
        const { result } = await handoff.accept({
          body: request.raw,
          headers: request.headers,
          contentLength: announced === undefined ? undefined : Number(announced),
          peerAddress: request.ip,
        });
        const held = new Set(result.items.map((item) => item.recipient));
        const before = new Set(result.alreadyHeld);
        return {
          messageId: result.message.id,
          held: result.items.map((item) => ({
            recipient: item.recipient,
            itemId: item.id,
            reason: item.reason,
          })),
          heldBefore: result.alreadyHeld,
          passed: result.message.envelope.rcptTo.filter(
            (recipient) => !held.has(recipient) && !before.has(recipient),
          ),
        };
      },
    );
  };
