import { UNSAFE_CHARACTERS } from '../core/safe-text.js';

/**
 * Attacker-controlled text (a subject, a sender) made fit to show: unsafe control and bidi
 * characters removed, whitespace collapsed, cut to `max` characters with an ellipsis. Still needs
 * escapeHtml for HTML.
 */
export function displayText(text: string | undefined, max = 140, empty = '(none)'): string {
  const clean = (text ?? '').replace(/\s+/g, ' ').replace(UNSAFE_CHARACTERS, '').trim();
  if (clean === '') return empty;
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}

/**
 * A time as digest mail and link pages show it: day, short month, year and minutes in `timeZone`,
 * followed by the zone, "23 Nov 2026, 09:00 (Europe/Berlin)", so that nobody reads it in their own.
 */
export function displayTime(date: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
  return `${local} (${timeZone})`;
}
