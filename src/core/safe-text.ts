/**
 * Characters that change how text is shown or split without being visible themselves: C0 and C1
 * controls (also TAB, VT, ESC, NEL), DEL, format characters (zero-width ones, the bidi embeddings,
 * overrides and isolates U+202A–U+202E, U+2066–U+2069, marks U+200E/U+200F/U+061C, the BOM) and the
 * line and paragraph separators U+2028/U+2029. None belongs in a name, an address, a header or a log
 * field: they forge lines, reorder what a reader sees, or hide text.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** The same characters, every occurrence (for `replace`). */
export const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** Whether `text` holds a control, format (bidi, zero-width) or line/paragraph-separator character. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** `text` with each unsafe character (see above) replaced by a space; runs of space become one. */
export function withoutUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, ' ').replace(/ {2,}/g, ' ');
}

/** The first unsafe character of `text` as `U+XXXX`, for error messages; null when there is none. */
export function firstUnsafeCharacter(text: string): string | null {
  const found = UNSAFE.exec(text)?.[0];
  return found === undefined
    ? null
    : `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
