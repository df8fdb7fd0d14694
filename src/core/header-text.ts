import libmime from 'libmime';
import { withoutUnsafeCharacters } from './safe-text.js';

/** Longest text (in characters) put into one header field, before encoding. */
const MAX_CHARACTERS = 200;

/**
 * Text fit for a mail header Lazaret writes (the release trace header, the digest's headers):
 * control, bidi and separator characters become spaces, line breaks cannot occur, the text is cut
 * to 200 characters, and anything outside printable ASCII is carried in RFC 2047 encoded words — so
 * the header holds printable ASCII only, whoever chose the text (a token's or user's name).
 */
export function headerText(text: string): string {
  const clean = [...withoutUnsafeCharacters(text).trim()].slice(0, MAX_CHARACTERS).join('');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : libmime.encodeWords(clean, 'Q', 52, 'utf-8');
}

/** Whether a whole header block (lines ending CRLF) is printable ASCII, as every header Lazaret writes must be. */
export function isPrintableAsciiHeader(block: string): boolean {
  return /^(?:[\x20-\x7e]*\r\n)*$/.test(block.replace(/\t/g, ' '));
}
