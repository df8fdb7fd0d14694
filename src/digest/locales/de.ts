import type { DigestCatalogue } from './en.js';

/** The German digest catalogue (keys: en.ts). */
export const de: DigestCatalogue = {
  reasons: {
    spam: 'Spam',
    malware: 'Schadsoftware',
    phish: 'Phishing',
    policy: 'Richtlinie',
    bulk: 'Massenmail',
    manual: 'von Hand zurückgehalten',
  },
  noSender: '(kein Absender)',
  noSubject: '(kein Betreff)',
  fields: {
    from: 'Von',
    to: 'An',
    subject: 'Betreff',
    heldAs: 'Zurückgehalten als',
    received: 'Empfangen',
    released: 'Freigegeben',
  },
  mail: {
    subjectForYou:
      'Quarantäne-Übersicht: {atLeast, select, yes {mehr als } other {}}{count, plural, one {# Nachricht} other {# Nachrichten}} für Sie zurückgehalten',
    subjectFor:
      'Quarantäne-Übersicht: {atLeast, select, yes {mehr als } other {}}{count, plural, one {# Nachricht} other {# Nachrichten}} für {domains} zurückgehalten',
    headlineForYou:
      '{atLeast, select, yes {Mehr als } other {}}{count, plural, one {# neue Nachricht wurde} other {# neue Nachrichten wurden}} {hasSince, select, yes {seit {since} } other {}}für Sie zurückgehalten.',
    headlineFor:
      '{atLeast, select, yes {Mehr als } other {}}{count, plural, one {# neue Nachricht wurde} other {# neue Nachrichten wurden}} {hasSince, select, yes {seit {since} } other {}}für {domains} zurückgehalten.',
    textTitle: '{product}: Quarantäne-Übersicht für {recipient}',
    htmlTitle: 'Quarantäne-Übersicht für {recipient}',
    heldAsReceived: 'Zurückgehalten als {reason}, empfangen {received}',
    links: {
      release: 'Freigeben',
      releaseAllow: 'Freigeben und Absender immer erlauben',
      delete: 'Löschen',
      deleteBlock: 'Löschen und Absender immer blockieren',
      open: 'In {product} öffnen',
    },
    releaseAll: 'Alle {count, number} aufgeführten freigeben',
    more: '…und {atLeast, select, yes {mehr als } other {}}{count, number} weitere',
    allHeld: 'Alle zurückgehaltenen Nachrichten',
    allHeldInLazaret: 'Alle zurückgehaltenen Nachrichten in {product}',
    seeAllInLazaret: 'Alle zurückgehaltenen Nachrichten in {product} ansehen',
    linksWorkUntil: 'Die Links gelten bis {until}.',
    linksChangeNothing:
      'Ein Link ändert beim Öffnen nichts: Er zeigt, was geschehen wird, und bittet Sie um Bestätigung.',
  },
  page: {
    working: 'Wird ausgeführt…',
    titles: {
      release: 'Diese zurückgehaltene Nachricht freigeben?',
      delete: 'Diese zurückgehaltene Nachricht löschen?',
      releaseAll:
        '{count, plural, one {# zurückgehaltene Nachricht} other {# zurückgehaltene Nachrichten}} freigeben?',
      done: 'Erledigt',
      alreadyReleased: 'Diese Nachricht wurde bereits freigegeben',
      alreadyDeleted: 'Diese Nachricht wurde bereits gelöscht',
      nothingLeft: 'Nichts mehr zu tun',
      doneCount: 'Erledigt: {ok, number} von {count, number}',
    },
    buttons: {
      release: 'Freigeben',
      release_allow: 'Freigeben und Absender immer erlauben',
      delete: 'Löschen',
      delete_block: 'Löschen und Absender immer blockieren',
      release_all: '{count, plural, one {# Nachricht} other {# Nachrichten}} freigeben',
    },
    will: {
      release: 'Sie wird an {recipient} zugestellt.',
      request_release:
        'Sie dürfen sie nicht selbst freigeben: Ein Administrator wird gebeten, sie freizugeben.',
      delete: 'Sie wird gelöscht. Das lässt sich nicht rückgängig machen.',
    },
    nothingWillBeDone: 'Es geschieht nichts: {reason}',
    wont: {
      not_found: 'Diese Nachricht ist nicht (mehr) in Ihrer Quarantäne.',
      already_deleted: 'Diese Nachricht wurde bereits gelöscht.',
      conflict: 'Diese Nachricht wird gerade freigegeben.',
      already_released: 'Diese Nachricht wurde bereits freigegeben.',
      already_requested: 'Die Freigabe dieser Nachricht wurde bereits angefragt.',
      interrupted:
        'Eine frühere Freigabe dieser Nachricht wurde unterbrochen und ist vielleicht zugestellt worden; entscheiden Sie in {product} selbst.',
      forbidden: 'Sie dürfen diese Nachricht nicht freigeben.',
    },
    sender: {
      none: 'Die Nachricht hat keine Absenderadresse, daher kann kein Absender aufgenommen werden.',
      allowForYou:
        'ab jetzt wird Mail von {sender} für Sie nicht mehr als Spam oder Massenmail zurückgehalten (Mail, die als Schadsoftware, Phishing oder wegen einer Richtlinie zurückgehalten wird, weiterhin).',
      allowForDomain:
        'ab jetzt wird Mail von {sender} für alle bei {domain} nicht mehr als Spam oder Massenmail zurückgehalten (Mail, die als Schadsoftware, Phishing oder wegen einer Richtlinie zurückgehalten wird, weiterhin).',
      blockForYou: 'ab jetzt wird jede Mail von {sender} für Sie zurückgehalten.',
      blockForDomain: 'ab jetzt wird jede Mail von {sender} für alle bei {domain} zurückgehalten.',
      and: 'Und {sentence}',
      listed: 'Eingetragen: {sentence}',
      noAddress: 'Die Nachricht hat keine Absenderadresse zum Eintragen.',
    },
    forUserDone: 'Für {email}.',
    releasedAtTo: '{at} an {recipients}',
    forUser:
      'Für {email}. Noch ist nichts geschehen: Es geschieht erst, wenn Sie auf die Schaltfläche drücken.',
    nothingLeft: 'Für diesen Link gibt es nichts mehr zu tun.',
    openLazaret: 'Öffnen Sie {product}',
    seeAll: '{link}, um alle für Sie zurückgehaltenen Nachrichten zu sehen.',
    seeAllAgain:
      '{link}, um alle für Sie zurückgehaltenen Nachrichten zu sehen. Den Link erneut zu benutzen schadet nicht.',
    results: {
      released: 'Freigegeben: an {recipients} zugestellt.',
      deleted: 'Gelöscht.',
      requested: 'Freigabe angefragt: Ein Administrator entscheidet.',
      already_released: 'Sie wurde bereits freigegeben; nichts wurde erneut gesendet.',
      already_deleted: 'Sie wurde bereits gelöscht.',
      already_requested: 'Ihre Freigabe wurde bereits angefragt.',
      delivery_deferred:
        'Der Mailserver hat sie gerade nicht angenommen; sie bleibt in Quarantäne. Versuchen Sie es später erneut.',
      delivery_rejected: 'Der Mailserver hat sie abgelehnt; sie bleibt in Quarantäne.',
    },
    nothingChanged: 'Es wurde nichts geändert.',
    refusals: {
      link_invalid: {
        title: 'Dieser Link ist ungültig',
        message:
          'Dieser Link ist ungültig: Er ist beschädigt, wurde verändert, oder sein Schlüssel wurde zurückgezogen.',
        advice:
          'Er wurde vielleicht unterwegs abgeschnitten oder verändert, oder er ist zu alt für diesen Server. Nehmen Sie einen Link aus einer neueren Übersicht, oder melden Sie sich bei {product} an.',
      },
      account_closed: {
        title: 'Dieser Link ist ungültig',
        message: 'Dieser Link gilt nicht mehr: Das Konto, an das er ging, ist geschlossen.',
        advice: 'Melden Sie sich bei {product} an, oder fragen Sie einen Administrator nach dem Konto.',
      },
      link_expired: {
        title: 'Dieser Link ist abgelaufen',
        message: 'Dieser Link ist abgelaufen.',
        advice:
          'Links aus Übersichten gelten nur eine begrenzte Zeit. Melden Sie sich bei {product} an, um die Nachricht zu bearbeiten, oder warten Sie auf Ihre nächste Übersicht.',
      },
      not_found: {
        title: 'Dieser Link betrifft nicht Ihre Mail',
        message: 'Es wurde nichts getan: Dieser Link nennt keine Ihrer Nachrichten.',
        advice:
          'Die Nachricht, die er nennt, ist nicht (mehr) in Ihrer Quarantäne. Melden Sie sich bei {product} an, um zu sehen, was für Sie zurückgehalten wird.',
      },
      link_wrong_user: {
        title: 'Dieser Link ist für jemand anderen',
        message:
          'Dieser Link ging an {email}, aber dieser Browser ist bei {product} als jemand anderes angemeldet.',
        advice:
          'Melden Sie sich in diesem Browser zuerst von {product} ab, oder öffnen Sie den Link dort, wo Sie als sein Empfänger angemeldet sind.',
      },
      internal_error: {
        title: 'Etwas ist schiefgegangen',
        message: 'Der Server konnte diesen Link nicht bearbeiten.',
        advice:
          'Es wurde nichts geändert. Versuchen Sie es später erneut, oder melden Sie sich bei {product} an.',
      },
    },
  },
};
