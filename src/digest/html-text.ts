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
