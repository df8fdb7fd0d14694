/**
 * The languages Lazaret speaks (web UI, digest mails, digest link pages) and how one is picked from
 * what a browser asks for. English is the source language: every catalogue has its keys.
 */
export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language by its own name, as a language menu shows it (never translated). */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The first language we speak among those an `Accept-Language` header (RFC 9110 §12.5.4) or a
 * browser's `navigator.languages` asks for, by preference (q-value, then order); null when none is
 * ours. Only the primary subtag counts: `de-AT` asks for `de`. `*` and `q=0` ask for nothing.
 */
export function negotiateLanguage(asked: string | readonly string[] | undefined): Language | null {
  if (asked === undefined) return null;
  const ranges = typeof asked === 'string' ? asked.split(',') : asked;
  const wanted = ranges
    .map((range, index) => {
      const [tag = '', ...params] = range.trim().split(';');
      const q = params.map((each) => each.trim()).find((each) => /^q=/i.test(each));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', weight, index };
    })
    .filter((each) => Number.isFinite(each.weight) && each.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return wanted.map((each) => each.primary).find(isLanguage) ?? null;
}

/**
 * The language to speak to someone: their own choice, else the first their browser asks for that we
 * speak, else the configured default (`i18n.defaultLanguage`). Digest mails have no browser.
 */
export function chooseLanguage(input: {
  chosen?: Language | null | undefined;
  asked?: string | readonly string[] | undefined;
  fallback: Language;
}): Language {
  return input.chosen ?? negotiateLanguage(input.asked) ?? input.fallback;
}

/**
 * The i18next settings the UI and the digests share: every language's catalogue bundled (so the
 * instance is ready synchronously), ICU messages falling back to English, and no escaping of values —
 * React escapes what it renders, and the digest pages escape every value themselves.
 */
export function i18nextSettings(catalogues: Record<Language, object>) {
  return {
    resources: Object.fromEntries(
      LANGUAGES.map((language) => [language, { translation: catalogues[language] }]),
    ),
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  };
}
