import i18next from 'i18next';
import ICU from 'i18next-icu';
import { initReactI18next } from 'react-i18next';
import { i18nextSettings, type Language } from '../../../src/core/languages.js';
import { CATALOGUES } from './catalogues.js';

/**
 * The UI's one i18next instance: ICU MessageFormat (plurals, selects), catalogues bundled, so it is
 * ready before the first render. It starts in the browser's language; the session then switches it
 * to the person's (GET /api/auth/me, or /api/i18n before sign-in).
 */
export const i18n = i18next.createInstance();
i18n.use(ICU).use(initReactI18next).init(i18nextSettings(CATALOGUES));

i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

/** Shows the UI in `language` (no-op when it already is). */
export function applyLanguage(language: Language | undefined): void {
  if (language && i18n.language !== language) void i18n.changeLanguage(language);
}

/** The language the UI shows now. */
export const currentLanguage = (): Language => (i18n.language as Language | undefined) ?? 'en';
