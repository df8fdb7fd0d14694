import { currentLanguage, i18n } from '../i18n';

/** Intl formatters for the UI's current language, made once per language. */
const formatters = new Map<
  string,
  {
    dateTime: Intl.DateTimeFormat;
    short: Intl.DateTimeFormat;
    shortWithYear: Intl.DateTimeFormat;
    count: Intl.NumberFormat;
    decimal: Intl.NumberFormat;
  }
>();

function forLanguage() {
  const language = currentLanguage();
  let made = formatters.get(language);
  if (!made) {
    const short = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } as const;
    made = {
      dateTime: new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }),
      short: new Intl.DateTimeFormat(language, short),
      shortWithYear: new Intl.DateTimeFormat(language, { ...short, year: 'numeric' }),
      count: new Intl.NumberFormat(language),
      decimal: new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    };
    formatters.set(language, made);
  }
  return made;
}

export const formatDateTime = (iso: string) => forLanguage().dateTime.format(new Date(iso));
/** Day and time; the year too when it is not this year's (a list of old mail must not look recent). */
export function formatShort(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const { short, shortWithYear } = forLanguage();
  return (date.getFullYear() === now.getFullYear() ? short : shortWithYear).format(date);
}
export const formatCount = (value: number) => forLanguage().count.format(value);

/** A count the server may have stopped at: "1,000,000+" when there are more. */
export const formatBound = (value: number, exact: boolean) => `${formatCount(value)}${exact ? '' : '+'}`;

export function formatSize(bytes: number): string {
  if (bytes < 1024) return i18n.t('format.bytes', { value: formatCount(bytes) });
  if (bytes < 1024 * 1024)
    return i18n.t('format.kilobytes', { value: forLanguage().decimal.format(bytes / 1024) });
  return i18n.t('format.megabytes', { value: forLanguage().decimal.format(bytes / 1024 / 1024) });
}

export const senderLabel = (sender: string) => sender || i18n.t('format.bounce');
