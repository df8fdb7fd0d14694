/**
 * Shapes of the Lazaret HTTP API as the UI uses them, named from the types generated out of the
 * server's OpenAPI document (openapi.d.ts, `npm run gen:api-types`): the server's schemas are the
 * one source, so a change there shows up here as a type error instead of a silent drift.
 */

import type { Language } from '../../../src/core/languages.js';
import type { ITEM_STATUSES } from '../../../src/core/types.js';
import type { components, paths } from './openapi';

export { ITEM_STATUSES as STATUSES, REASONS } from '../../../src/core/types.js';

type Schemas = components['schemas'];

/** The JSON body of an operation's 200 answer. */
export type Answer<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

export type Item = Schemas['Item'];
/** The item actions the API offers (`allowedActions`: what the signed-in person may do with the item now). */
export type ItemAction = Item['allowedActions'][number];
export type Message = Schemas['Message'];
export type Job = Schemas['Job'];
export type JobItem = Schemas['JobItem'];
export type User = Schemas['User'];
export type ApiToken = Schemas['Token'];
export type AuditEntry = Schemas['AuditEntry'];

export type Reason = Item['reason'];
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export type Role = User['role'];
export type { Language };

export type ItemPage = Answer<'/api/quarantine', 'get'>;
export type ItemDetail = Answer<'/api/quarantine/{id}', 'get'>;
export type MessageContentInfo = Answer<'/api/quarantine/{id}/content', 'get'>;
export type Stats = Answer<'/api/stats', 'get'>;

/** Who is signed in. `local` is the loopback administrator of a server without sign-in. */
export type Me = Pick<User, 'id' | 'email' | 'role' | 'domains' | 'addresses'> & {
  /** `request`: this user asks for releases instead of releasing. */
  releaseMode?: User['releaseMode'];
  local?: boolean;
  /** The state of their second factor (local accounts only). */
  totp?: User['totp'];
  /** An administrator who must set up a second factor before anything else (auth.requireTotpForAdmins). */
  totpEnrolmentRequired?: boolean;
  /** The language to show: their choice, else the browser's, else the server default. */
  language?: Language;
  /** The language they chose in Settings; null: none (follow the browser). */
  chosenLanguage?: Language | null;
};

/** What the bulk bar offers: a job's actions, and asking for release (one request per item). */
export type BulkAction = Job['action'] | 'request_release';

export type Selection = { ids: string[] } | { query: string };
