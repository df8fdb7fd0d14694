import { currentLanguage, i18n } from '../i18n';

/** Intl formatters for the UI's current language, made once per language. */
const formatters = new Map<
  string,
  {
    dateTime: Intl.DateTimeFormat;
    short: Intl.DateTimeFormat;
    count: Intl.NumberFormat;
    decimal: Intl.NumberFormat;
  }
>();

function forLanguage() {
  const language = currentLanguage();
  let made = formatters.get(language);
  if (!made) {
    made = {
      dateTime: new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }),
      short: new Intl.DateTimeFormat(language, {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }),
      count: new Intl.NumberFormat(language),
      decimal: new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    };
    formatters.set(language, made);
  }
  return made;
}

export const formatDateTime = (iso: string) => forLanguage().dateTime.format(new Date(iso));
export const formatShort = (iso: string) => forLanguage().short.format(new Date(iso));
export const formatCount = (value: number) => forLanguage().count.format(value);

export function formatSize(bytes: number): string {
  if (bytes < 1024) return i18n.t('format.bytes', { value: formatCount(bytes) });
  if (bytes < 1024 * 1024)
    return i18n.t('format.kilobytes', { value: forLanguage().decimal.format(bytes / 1024) });
  return i18n.t('format.megabytes', { value: forLanguage().decimal.format(bytes / 1024 / 1024) });
}

export const senderLabel = (sender: string) => sender || i18n.t('format.bounce');
