import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argumentsOf,
  catalogueProblems,
  englishLeftovers,
  flatten,
  i18nProblems,
  untranslatedStrings,
  usedKeys,
} from '../../scripts/i18n-catalogues.js';
import { LANGUAGES, negotiateLanguage } from '../../src/core/languages.js';
import { DIGEST_CATALOGUES } from '../../src/digest/digest-i18n.js';
import { CATALOGUES } from '../../web/src/i18n/catalogues.js';
import { tempDir } from '../support/env.js';

/** Each visible string here must be found; t('…') lookups, punctuation and the product name not. */
const BAD_PAGE = `import { notifications } from '@mantine/notifications';

export function BadPage({ done, t }) {
  notifications.show({ message: 'Saved', title: t('ok.title') });
  const items = [{ label: 'Menu label', value: 'x' }];
  return (
    <div title="A title">
      Plain JSX text
      <span aria-label={'Loading your things'}>{t('fine.key')}</span>
      <p>{\`It worked \${done}\`}</p>
      <p>{done ? 'Yes' : 'No'}</p>
      <p>{' · '}Lazaret</p>
      {items.length}
    </div>
  );
}
`;

describe('i18n catalogues (npm run i18n:check)', () => {
  it('finds nothing wrong: every key in every language, valid ICU, no visible web UI string outside the catalogue', () => {
    expect(i18nProblems()).toEqual([]);
  });

  it('every language has every English key of the web UI and the digests, and no other', () => {
    for (const catalogues of [CATALOGUES, DIGEST_CATALOGUES]) {
      const english = [...flatten(catalogues.en).keys()];
      for (const language of LANGUAGES) expect([...flatten(catalogues[language]).keys()]).toEqual(english);
    }
  });

  it('reports a missing key, an extra key, broken ICU and a changed argument', () => {
    const en = { a: 'Hello {name}', b: { c: '{count, plural, one {# item} other {# items}}' } };
    expect(
      catalogueProblems('test', {
        en,
        de: { a: 'Hallo {nam}', b: { c: '{count, plural, one {# Ding} other {# Dinge}' }, d: 'extra' },
        fr: { a: 'Bonjour {name}' },
      }),
    ).toEqual([
      'test de: d is not in en',
      'test de: a has arguments {nam}, en has {name}',
      expect.stringMatching(/^test de: b\.c is not ICU MessageFormat/),
      'test fr: missing b.c',
    ]);
    expect([...argumentsOf('{a} {n, number} {s, select, x {{b}} other {}}', 'en')].sort()).toEqual([
      'a',
      'b',
      'n',
      's',
    ]);
  });

  it('finds visible strings that bypass the catalogue in web/src', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir.path, 'bad-page.tsx'), BAD_PAGE);
      const found = untranslatedStrings(dir.path);
      expect(found.map((each) => each.text).sort()).toEqual(
        [
          'A title',
          'It worked …',
          'Loading your things',
          'Menu label',
          'No',
          'Plain JSX text',
          'Saved',
          'Yes',
        ].sort(),
      );
      expect(found.find((each) => each.text === 'Saved')?.line).toBe(4);
    } finally {
      await dir.cleanup();
    }
  });

  it('every key the web UI looks up literally is in the English catalogue', () => {
    const english = flatten(CATALOGUES.en);
    const used = usedKeys();
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((use) => !english.has(use.text))).toEqual([]);
  });

  it('finds English left in text shown in another language, but not words every language shares', () => {
    const web = CATALOGUES as unknown as Parameters<typeof englishLeftovers>[1];
    expect(
      englishLeftovers('Seite nicht gefunden · Page not found · HTML · Message-ID', web, 'de'),
    ).toContain('Page not found');
    expect(englishLeftovers('Seite nicht gefunden · HTML · Message-ID · Status', web, 'de')).toEqual([]);
    expect(englishLeftovers('Libérer 3 messages ? Delete', web, 'fr')).toEqual(['Delete']);
  });

  it('negotiates the language from Accept-Language by q-value, primary subtag only', () => {
    expect(negotiateLanguage('de-CH, fr;q=0.9')).toBe('de');
    expect(negotiateLanguage('es, fr;q=0.2, de;q=0.8')).toBe('de');
    expect(negotiateLanguage('fr;q=0, en;q=0.1')).toBe('en');
    expect(negotiateLanguage('*')).toBeNull();
    expect(negotiateLanguage(['pt-BR', 'FR-ca'])).toBe('fr');
    expect(negotiateLanguage(undefined)).toBeNull();
    expect(negotiateLanguage('de;q=abc')).toBeNull();
  });
});
