import type { Language } from '../../../src/core/languages.js';
import { de } from './de.js';
import { en, type WebCatalogue } from './en.js';
import { fr } from './fr.js';

/** Every language's web UI catalogue; en.ts has the keys, the others the same (`npm run i18n:check`). */
export const CATALOGUES: Record<Language, WebCatalogue> = { en, de, fr };
