import { describe, expect, it } from 'vitest';
import { englishLeftovers } from '../../scripts/i18n-catalogues.js';
import { LANGUAGES, type Language } from '../../src/core/languages.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { DIGEST_CATALOGUES, digestTranslator } from '../../src/digest/digest-i18n.js';
import { type DigestView, renderDigest } from '../../src/digest/digest-render.js';
import type { LinkPlan, LinkResult, OpenedLink } from '../../src/digest/link-actions.js';
import { confirmPage, type RefusalCode, refusalPage, resultPage } from '../../src/digest/link-pages.js';
import { admin, buildItems, buildMessage, buildUser } from '../support/builders.js';

const CATALOGUES = DIGEST_CATALOGUES as unknown as Parameters<typeof englishLeftovers>[1];

function item(overrides: Partial<QuarantineItem> = {}): QuarantineItem {
  return {
    ...buildItems(buildMessage())[0]!,
    recipient: 'alice@corp.test',
    subject: 'Cheap watches',
    fromHeader: 'Shop <news@shop.example>',
    receivedAt: '2026-11-20T07:05:00.000Z',
    ...overrides,
  };
}

function view(language: Language, items: QuarantineItem[], extra: Partial<DigestView> = {}): DigestView {
  const url = (name: string) => `https://q.example/link/${name}`;
  return {
    recipient: 'alice@corp.test',
    copyOf: null,
    items: items.map((each) => ({
      item: each,
      links: {
        release: url('r'),
        releaseAllow: url('ra'),
        delete: url('d'),
        deleteBlock: url('db'),
        open: url('o'),
      },
    })),
    total: 12_345,
    totalIsLowerBound: false,
    since: new Date('2026-11-19T08:00:00Z'),
    releaseAllUrl: url('all'),
    listUrl: 'https://q.example/quarantine',
    timeZone: 'Europe/Berlin',
    linksExpireAt: new Date('2026-11-23T08:00:00Z'),
    language,
    ...extra,
  };
}

const opened = (action: OpenedLink['claims']['action']): OpenedLink => ({
  claims: { action, userId: 'u1', itemIds: ['i1', 'i2'], expiresAt: new Date('2026-11-23T08:00:00Z') },
  user: buildUser({ email: 'alice@corp.test' }),
  actor: admin,
});

/** Every page a link can answer with, in one language. */
function linkPages(language: Language): string[] {
  const tr = digestTranslator(language);
  const held = item();
  const plan: LinkPlan = {
    items: [
      { itemId: held.id, item: held, will: 'release' },
      {
        itemId: 'gone',
        item: null,
        wont: 'not_found',
        reason: 'This message is not in your quarantine (any more).',
      },
      {
        itemId: 'done',
        item: item(),
        wont: 'already_released',
        reason: 'This message was released already.',
      },
    ],
    sender: { action: 'allow', sender: 'news@shop.example', scope: 'user' },
  };
  const result: LinkResult = {
    items: [
      { itemId: held.id, item: { ...held, status: 'released' }, code: 'ok', done: 'released', message: '' },
      { itemId: 'again', item: item(), code: 'already_released', message: 'It was released already.' },
      { itemId: 'deferred', item: item(), code: 'delivery_deferred', message: '451 later' },
    ],
    sender: {
      action: 'block',
      sender: 'news@shop.example',
      scope: 'domain',
      domain: 'corp.test',
      code: 'ok',
      message: '',
    },
  };
  const base = { timeZone: 'Europe/Berlin', listUrl: 'https://q.example/quarantine', tr };
  const refusals: RefusalCode[] = [
    'link_invalid',
    'account_closed',
    'link_expired',
    'not_found',
    'link_wrong_user',
    'internal_error',
  ];
  return [
    confirmPage({ ...base, opened: opened('release_all'), plan, action: '/link/x', nonce: 'n' }).html,
    confirmPage({ ...base, opened: opened('delete_block'), plan, action: '/link/x', nonce: 'n' }).html,
    resultPage({ ...base, opened: opened('release_all'), result }).html,
    ...refusals.map((code) => refusalPage(code, { ...base, email: 'alice@corp.test' }).html),
  ];
}

/** The text a reader sees in an HTML page or mail part. */
const visibleText = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('digest mails and link pages in every language', () => {
  it.each(LANGUAGES.filter((language) => language !== 'en'))(
    '%s: the mail (text and HTML, own and an administrator’s copy) and every link page have no English left',
    (language) => {
      const own = renderDigest(view(language, [item(), item({ subject: undefined, reason: 'malware' })]));
      const copy = renderDigest(
        view(language, [item()], { copyOf: ['corp.test'], since: null, totalIsLowerBound: true }),
      );
      const shown = [
        own.subject,
        own.text,
        visibleText(own.html),
        copy.subject,
        copy.text,
        visibleText(copy.html),
        ...linkPages(language).map(visibleText),
      ];
      for (const text of shown) expect(englishLeftovers(text, CATALOGUES, language)).toEqual([]);
      for (const html of [own.html, ...linkPages(language)])
        expect(html).toContain(`<html lang="${language}">`);
    },
  );

  it('writes plurals, numbers and dates the way each language does', () => {
    const one = (language: Language) => renderDigest(view(language, [item()], { total: 1 }));
    expect(one('en').subject).toBe('Quarantine digest: 1 message held for you');
    expect(one('de').subject).toBe('Quarantäne-Übersicht: 1 Nachricht für Sie zurückgehalten');
    expect(one('fr').subject).toBe('Résumé de quarantaine : 1 message retenu pour vous');
    const many = (language: Language) => renderDigest(view(language, [item()]));
    expect(many('en').text).toContain(
      '12,345 new messages were held for you since 19 Nov 2026, 09:00 (Europe/Berlin).',
    );
    expect(many('de').text).toContain(
      '12.345 neue Nachrichten wurden seit 19. Nov. 2026, 09:00 (Europe/Berlin) für Sie zurückgehalten.',
    );
    expect(many('fr').text).toMatch(
      /12\u202f345 nouveaux messages ont été retenus pour vous depuis le 19 nov\. 2026, 09:00 \(Europe\/Berlin\)\./,
    );
    expect(many('de').text).toContain('…und 12.344 weitere: https://q.example/quarantine');
    expect(many('de').text).toContain(
      'Zurückgehalten als Spam, empfangen 20. Nov. 2026, 08:05 (Europe/Berlin)',
    );
    const capped = renderDigest(
      view('fr', [item()], { total: 10_000, totalIsLowerBound: true, copyOf: ['a.test', 'b.test'] }),
    );
    expect(capped.subject).toBe(
      'Résumé de quarantaine : plus de 10\u202f000 messages retenus pour a.test, b.test',
    );
  });

  it('the confirmation button counts in each language, and the wrong-user refusal names the addressee', () => {
    const plan: LinkPlan = {
      items: [{ itemId: 'a', item: item(), will: 'release' }],
      sender: null,
    };
    const page = (language: Language) =>
      confirmPage({
        opened: opened('release_all'),
        plan,
        action: '/link/x',
        nonce: 'n',
        timeZone: 'UTC',
        listUrl: 'https://q.example/quarantine',
        tr: digestTranslator(language),
      }).html;
    expect(page('en')).toContain('>Release 1 message</button>');
    expect(page('de')).toContain('>1 Nachricht freigeben</button>');
    expect(page('fr')).toContain('>Libérer 1 message</button>');
    expect(page('de')).toContain('<a href="https://q.example/quarantine">Öffnen Sie Lazaret</a>, um alle');
    const refused = refusalPage('link_wrong_user', {
      listUrl: 'https://q.example/quarantine',
      tr: digestTranslator('de'),
      email: 'alice@corp.test',
    });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('Dieser Link ging an alice@corp.test');
  });
});
