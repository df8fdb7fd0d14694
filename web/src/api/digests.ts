import { api } from './client';
import type { Answer, Item } from './types';

/** Digest schedules, sender lists and spam reports: the UI's side of /api/digest, /api/lists, report-spam. */

export type DigestSettings = Answer<'/api/digest/settings', 'get'>;
/** A schedule as set: absent fields are inherited (domain default, then global default). */
export type Schedule = DigestSettings['own'];
export type Frequency = DigestSettings['effective']['frequency'];
export type DigestDefault = Answer<'/api/digest/defaults', 'get'>['domains'][number];
export type ListEntry = Answer<'/api/lists', 'get'>['entries'][number];
export type ListScope = ListEntry['scope'];
export type ListAction = ListEntry['action'];

export const FREQUENCIES = ['never', 'hourly', 'daily', 'weekly'] as const satisfies readonly Frequency[];
// Fails to compile when the server knows a frequency this list lacks.
const everyFrequency: Exclude<Frequency, (typeof FREQUENCIES)[number]> extends never ? true : never = true;
void everyFrequency;

/** Whose list: your own (no scope), a domain's, or the global one. */
export interface ListTarget {
  scope?: ListScope;
  domain?: string;
}

export const getDigestSettings = () => api.get<DigestSettings>('/api/digest/settings');
export const saveDigestSettings = (schedule: Schedule) =>
  api.put<DigestSettings>('/api/digest/settings', schedule);
export const resetDigestSettings = () => api.delete<DigestSettings>('/api/digest/settings');

/** Another user's digest schedule (administrators, on the user page). */
export const getUserDigestSettings = (userId: string) =>
  api.get<DigestSettings>(`/api/users/${userId}/digest-settings`);
export const saveUserDigestSettings = (userId: string, schedule: Schedule) =>
  api.put<DigestSettings>(`/api/users/${userId}/digest-settings`, schedule);
export const resetUserDigestSettings = (userId: string) =>
  api.delete<DigestSettings>(`/api/users/${userId}/digest-settings`);

export const getDigestDefaults = () =>
  api.get<{ global: DigestDefault | null; domains: DigestDefault[] }>('/api/digest/defaults');
export const saveDigestDefault = (domain: string | null, schedule: Schedule) =>
  api.put<DigestDefault>(
    domain === null
      ? '/api/digest/defaults/global'
      : `/api/digest/defaults/domains/${encodeURIComponent(domain)}`,
    schedule,
  );
export const removeDigestDefault = (domain: string | null) =>
  api.delete(
    domain === null
      ? '/api/digest/defaults/global'
      : `/api/digest/defaults/domains/${encodeURIComponent(domain)}`,
  );

export const listEntries = (target: ListTarget) =>
  api.get<{ entries: ListEntry[]; nextCursor: string | null }>('/api/lists', {
    query: { scope: target.scope, domain: target.domain, limit: 500 },
  });
export const putEntry = (target: ListTarget, action: ListAction, sender: string) =>
  api.post<{ entry: ListEntry; previousAction?: ListAction }>('/api/lists', {
    ...(target.scope ? { scope: target.scope } : {}),
    ...(target.domain ? { domain: target.domain } : {}),
    action,
    sender,
  });
export const removeEntry = (id: string) => api.delete<{ entry: ListEntry }>(`/api/lists/${id}`);

export const reportSpam = (id: string) =>
  api.post<{ item: Item; learning: 'queued' | 'disabled' }>(`/api/quarantine/${id}/report-spam`);

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Daily at 08:00 (Europe/Berlin)". */
export function describeSchedule(schedule: DigestSettings['effective']): string {
  const hour = `${String(schedule.hour).padStart(2, '0')}:00`;
  switch (schedule.frequency) {
    case 'never':
      return 'Never';
    case 'hourly':
      return `Every hour (${schedule.timeZone})`;
    case 'daily':
      return `Daily at ${hour} (${schedule.timeZone})`;
    case 'weekly':
      return `Every ${WEEKDAYS[schedule.weekday]} at ${hour} (${schedule.timeZone})`;
  }
}

/** The IANA time zones this browser knows. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
