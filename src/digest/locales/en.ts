/**
 * The English digest catalogue: digest mails and the pages behind their links. ICU MessageFormat
 * (plurals, selects); every other language has exactly these keys (`npm run i18n:check`).
 */
export const en = {
  reasons: {
    spam: 'spam',
    malware: 'malware',
    phish: 'phishing',
    policy: 'policy',
    bulk: 'bulk mail',
    manual: 'held by hand',
  },
  noSender: '(no sender)',
  noSubject: '(no subject)',
  fields: {
    from: 'From',
    to: 'To',
    subject: 'Subject',
    heldAs: 'Held as',
    received: 'Received',
    released: 'Released',
  },
  mail: {
    subjectForYou:
      'Quarantine digest: {atLeast, select, yes {more than } other {}}{count, plural, one {# message} other {# messages}} held for you',
    subjectFor:
      'Quarantine digest: {atLeast, select, yes {more than } other {}}{count, plural, one {# message} other {# messages}} held for {domains}',
    headlineForYou:
      '{atLeast, select, yes {More than } other {}}{count, plural, one {# new message was} other {# new messages were}} held for you{hasSince, select, yes { since {since}} other {}}.',
    headlineFor:
      '{atLeast, select, yes {More than } other {}}{count, plural, one {# new message was} other {# new messages were}} held for {domains}{hasSince, select, yes { since {since}} other {}}.',
    textTitle: '{product}: quarantine digest for {recipient}',
    htmlTitle: 'Quarantine digest for {recipient}',
    heldAsReceived: 'Held as {reason}, received {received}',
    links: {
      release: 'Release',
      releaseAllow: 'Release and always allow sender',
      delete: 'Delete',
      deleteBlock: 'Delete and always block sender',
      open: 'Open in {product}',
    },
    releaseAll: 'Release all {count, number} listed',
    more: '…and {atLeast, select, yes {more than } other {}}{count, number} more',
    allHeld: 'All held mail',
    allHeldInLazaret: 'All held mail in {product}',
    seeAllInLazaret: 'See all held mail in {product}',
    linksWorkUntil: 'Links work until {until}.',
    linksChangeNothing: 'Opening a link changes nothing: it shows what will happen and asks you to confirm.',
  },
  page: {
    working: 'Working…',
    titles: {
      release: 'Release this held message?',
      delete: 'Delete this held message?',
      releaseAll: 'Release {count, plural, one {# held message} other {# held messages}}?',
      done: 'Done',
      alreadyReleased: 'This message was released already',
      alreadyDeleted: 'This message was deleted already',
      nothingLeft: 'Nothing left to do',
      doneCount: 'Done: {ok, number} of {count, number}',
    },
    buttons: {
      release: 'Release',
      release_allow: 'Release and always allow sender',
      delete: 'Delete',
      delete_block: 'Delete and always block sender',
      release_all: 'Release {count, plural, one {# message} other {# messages}}',
    },
    will: {
      release: 'It will be delivered to {recipient}.',
      request_release: 'You may not release it yourself: an administrator will be asked to release it.',
      delete: 'It will be deleted. This cannot be undone.',
    },
    nothingWillBeDone: 'Nothing will be done: {reason}',
    wont: {
      not_found: 'This message is not in your quarantine (any more).',
      already_deleted: 'This message was deleted already.',
      conflict: 'This message is being released right now.',
      already_released: 'This message was released already.',
      already_requested: 'Release of this message was requested already.',
      interrupted:
        'An earlier release of this message was cut off and may have been delivered; decide in {product} itself.',
      forbidden: 'You may not release this message.',
    },
    sender: {
      none: 'The message has no sender address, so no sender can be listed.',
      allowForYou:
        'from now on, mail from {sender} is no longer held as spam or bulk mail for you (mail held as malware, phishing or by policy still is).',
      allowForDomain:
        'from now on, mail from {sender} is no longer held as spam or bulk mail for everyone at {domain} (mail held as malware, phishing or by policy still is).',
      blockForYou: 'from now on, all mail from {sender} is held for you.',
      blockForDomain: 'from now on, all mail from {sender} is held for everyone at {domain}.',
      and: 'And {sentence}',
      listed: 'Listed: {sentence}',
      noAddress: 'The message has no sender address to list.',
    },
    forUserDone: 'For {email}.',
    releasedAtTo: '{at} to {recipients}',
    forUser: 'For {email}. Nothing has happened yet: it happens only when you press the button.',
    nothingLeft: 'There is nothing left to do for this link.',
    openLazaret: 'Open {product}',
    seeAll: '{link} to see all your held mail.',
    seeAllAgain: '{link} to see all your held mail. Using this link again does no harm.',
    results: {
      released: 'Released: delivered to {recipients}.',
      deleted: 'Deleted.',
      requested: 'Release requested: an administrator will decide.',
      already_released: 'It was released already; nothing was sent again.',
      already_deleted: 'It was deleted already.',
      already_requested: 'Its release was requested already.',
      delivery_deferred: 'The mail server did not take it just now; it stays in quarantine. Try again later.',
      delivery_rejected: 'The mail server refused it; it stays in quarantine.',
    },
    nothingChanged: 'Nothing was changed.',
    refusals: {
      link_invalid: {
        title: 'This link is not valid',
        message: 'This link is not valid: it is damaged, was changed, or its key was retired.',
        advice:
          'It may have been cut or changed on its way, or it is too old for this server. Use a link from a newer digest, or sign in to {product}.',
      },
      account_closed: {
        title: 'This link is not valid',
        message: 'This link is no longer valid: the account it was sent to is closed.',
        advice: 'Sign in to {product}, or ask an administrator about the account.',
      },
      link_expired: {
        title: 'This link has expired',
        message: 'This link has expired.',
        advice:
          'Digest links work for a limited time. Sign in to {product} to handle the message, or wait for your next digest.',
      },
      not_found: {
        title: 'This link is not for your mail',
        message: 'Nothing was done: this link names no message of yours.',
        advice:
          'The message it names is not in your quarantine (any more). Sign in to {product} to see what is held for you.',
      },
      link_wrong_user: {
        title: 'This link is for someone else',
        message: 'This link was sent to {email}, but this browser is signed in to {product} as someone else.',
        advice:
          'Sign out of {product} in this browser first, or open the link where you are signed in as its addressee.',
      },
      internal_error: {
        title: 'Something went wrong',
        message: 'The server could not handle this link.',
        advice: 'Nothing was changed. Try again later, or sign in to {product}.',
      },
    },
  },
};

/** The shape every language's digest catalogue has: the English keys, each a message. */
export type DigestCatalogue = Catalogue<typeof en>;
type Catalogue<T> = { [K in keyof T]: T[K] extends string ? string : Catalogue<T[K]> };
