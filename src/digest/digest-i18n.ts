import i18next, { type i18n } from 'i18next';
import ICU from 'i18next-icu';
import { i18nextSettings, type Language } from '../core/languages.js';
import { de } from './locales/de.js';
import { type DigestCatalogue, en } from './locales/en.js';
import { fr } from './locales/fr.js';

/** Every language's digest catalogue (digest mails and link pages). */
export const DIGEST_CATALOGUES: Record<Language, DigestCatalogue> = { en, de, fr };

/** The locale Intl formats dates and numbers in for each language (en: day month year, as before). */
const INTL_LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

/** What digest mails and link pages say in one language, and how they show times and numbers. */
export interface DigestTranslator {
  language: Language;
  catalogue: DigestCatalogue;
  /** The message under `key` (dotted path into the catalogue), its ICU arguments filled in. */
  t(key: string, values?: Record<string, string | number>): string;
  /** Day, short month, year and minutes in `timeZone`, then the zone: "23 Nov 2026, 09:00 (Europe/Berlin)". */
  time(date: Date, timeZone: string): string;
  number(value: number): string;
}

let shared: i18n | null = null;

/** One i18next instance for the process: its resources are fixed, so it is built once, synchronously. */
function instance(): i18n {
  if (shared) return shared;
  const created = i18next.createInstance();
  created.use(ICU).init(i18nextSettings(DIGEST_CATALOGUES));
  shared = created;
  return created;
}

const translators = new Map<string, DigestTranslator>();

/** The translator for `language`; `product` (brand.productName) fills every message's {product}. */
export function digestTranslator(language: Language, product = 'Lazaret'): DigestTranslator {
  const known = translators.get(`${language} ${product}`);
  if (known) return known;
  const t = instance().getFixedT(language);
  const locale = INTL_LOCALES[language];
  const numbers = new Intl.NumberFormat(locale);
  const translator: DigestTranslator = {
    language,
    catalogue: DIGEST_CATALOGUES[language],
    t: (key, values) => t(key, { product, ...values }),
    time: (date, timeZone) =>
      `${new Intl.DateTimeFormat(locale, {
        timeZone,
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }).format(date)} (${timeZone})`,
    number: (value) => numbers.format(value),
  };
  translators.set(`${language} ${product}`, translator);
  return translator;
}
