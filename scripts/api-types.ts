import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS from 'openapi-typescript';
import { buildApi } from '../src/api/app.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/log.js';
import { SmtpRelay } from '../src/relay/smtp-relay.js';
import { buildContext } from '../src/server.js';
import { openStores } from '../src/store/open-stores.js';

/** Where the web client's generated API types live (committed; `npm run gen:api-types` rewrites it). */
export const API_TYPES_FILE = new URL('../web/src/api/openapi.d.ts', import.meta.url);

/**
 * The OpenAPI document the server serves at /api/openapi.json, built in-process over a throwaway
 * embedded store: no listener, no network. The document depends on the routes, not on the config.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-openapi-'));
  const config = loadConfig({ env: { LAZARET_DATA_DIR: dataDir } });
  const stores = await openStores(config);
  const relay = new SmtpRelay(config.relay);
  try {
    const app = await buildApi(buildContext(config, createLogger('silent'), stores, relay));
    try {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  } finally {
    relay.close();
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const BANNER = `/**
 * Generated from Lazaret's OpenAPI document (/api/openapi.json) by openapi-typescript.
 * Do not edit: run \`npm run gen:api-types\`; test/unit/api-types.test.ts fails when this file is stale.
 */`;

/** The TypeScript declarations of the API, as written to API_TYPES_FILE. */
export async function renderApiTypes(): Promise<string> {
  const document = await openApiDocument();
  // openapi-typescript 6 writes its output as text: it needs no TypeScript compiler API at run time.
  return openapiTS(document as never, { commentHeader: `${BANNER}\n\n`, exportType: false });
}
