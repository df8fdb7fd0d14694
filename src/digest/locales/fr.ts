import type { DigestCatalogue } from './en.js';

/** The French digest catalogue (keys: en.ts). Apostrophes are typographic (’): ICU quotes with '. */
export const fr: DigestCatalogue = {
  reasons: {
    spam: 'spam',
    malware: 'logiciel malveillant',
    phish: 'hameçonnage',
    policy: 'règle',
    bulk: 'envoi en masse',
    manual: 'retenu à la main',
  },
  noSender: '(pas d’expéditeur)',
  noSubject: '(pas d’objet)',
  fields: {
    from: 'De',
    to: 'À',
    subject: 'Objet',
    heldAs: 'Retenu comme',
    received: 'Reçu',
    released: 'Libéré',
  },
  mail: {
    subjectForYou:
      'Résumé de quarantaine : {atLeast, select, yes {plus de } other {}}{count, plural, one {# message retenu} other {# messages retenus}} pour vous',
    subjectFor:
      'Résumé de quarantaine : {atLeast, select, yes {plus de } other {}}{count, plural, one {# message retenu} other {# messages retenus}} pour {domains}',
    headlineForYou:
      '{atLeast, select, yes {Plus de } other {}}{count, plural, one {# nouveau message a été retenu} other {# nouveaux messages ont été retenus}} pour vous{hasSince, select, yes { depuis le {since}} other {}}.',
    headlineFor:
      '{atLeast, select, yes {Plus de } other {}}{count, plural, one {# nouveau message a été retenu} other {# nouveaux messages ont été retenus}} pour {domains}{hasSince, select, yes { depuis le {since}} other {}}.',
    textTitle: '{product} : résumé de quarantaine pour {recipient}',
    htmlTitle: 'Résumé de quarantaine pour {recipient}',
    heldAsReceived: 'Retenu comme {reason}, reçu le {received}',
    links: {
      release: 'Libérer',
      releaseAllow: 'Libérer et toujours autoriser l’expéditeur',
      delete: 'Supprimer',
      deleteBlock: 'Supprimer et toujours bloquer l’expéditeur',
      open: 'Ouvrir dans {product}',
    },
    releaseAll: 'Libérer les {count, number} messages listés',
    more: '…et {atLeast, select, yes {plus de } other {}}{count, number} de plus',
    allHeld: 'Tout le courrier retenu',
    allHeldInLazaret: 'Tout le courrier retenu dans {product}',
    seeAllInLazaret: 'Voir tout le courrier retenu dans {product}',
    linksWorkUntil: 'Les liens sont valables jusqu’au {until}.',
    linksChangeNothing:
      'Ouvrir un lien ne change rien : il montre ce qui va se passer et vous demande de confirmer.',
  },
  page: {
    working: 'En cours…',
    titles: {
      release: 'Libérer ce message retenu ?',
      delete: 'Supprimer ce message retenu ?',
      releaseAll: 'Libérer {count, plural, one {# message retenu} other {# messages retenus}} ?',
      done: 'Terminé',
      alreadyReleased: 'Ce message a déjà été libéré',
      alreadyDeleted: 'Ce message a déjà été supprimé',
      nothingLeft: 'Plus rien à faire',
      doneCount: 'Terminé : {ok, number} sur {count, number}',
    },
    buttons: {
      release: 'Libérer',
      release_allow: 'Libérer et toujours autoriser l’expéditeur',
      delete: 'Supprimer',
      delete_block: 'Supprimer et toujours bloquer l’expéditeur',
      release_all: 'Libérer {count, plural, one {# message} other {# messages}}',
    },
    will: {
      release: 'Il sera remis à {recipient}.',
      request_release:
        'Vous ne pouvez pas le libérer vous-même : un administrateur sera invité à le libérer.',
      delete: 'Il sera supprimé. Cette action est irréversible.',
    },
    nothingWillBeDone: 'Rien ne sera fait : {reason}',
    wont: {
      not_found: 'Ce message n’est pas (ou plus) dans votre quarantaine.',
      already_deleted: 'Ce message a déjà été supprimé.',
      conflict: 'Ce message est en cours de libération.',
      already_released: 'Ce message a déjà été libéré.',
      already_requested: 'La libération de ce message a déjà été demandée.',
      interrupted:
        'Une libération précédente de ce message a été interrompue et a peut-être été remise ; décidez dans {product} même.',
      forbidden: 'Vous ne pouvez pas libérer ce message.',
    },
    sender: {
      none: 'Le message n’a pas d’adresse d’expéditeur : aucun expéditeur ne peut être listé.',
      allowForYou:
        'désormais, le courrier de {sender} n’est plus retenu comme spam ou envoi en masse pour vous (le courrier retenu comme logiciel malveillant, hameçonnage ou par une règle l’est toujours).',
      allowForDomain:
        'désormais, le courrier de {sender} n’est plus retenu comme spam ou envoi en masse pour tout le monde chez {domain} (le courrier retenu comme logiciel malveillant, hameçonnage ou par une règle l’est toujours).',
      blockForYou: 'désormais, tout le courrier de {sender} est retenu pour vous.',
      blockForDomain: 'désormais, tout le courrier de {sender} est retenu pour tout le monde chez {domain}.',
      and: 'Et {sentence}',
      listed: 'Listé : {sentence}',
      noAddress: 'Le message n’a pas d’adresse d’expéditeur à lister.',
    },
    forUserDone: 'Pour {email}.',
    releasedAtTo: '{at} vers {recipients}',
    forUser:
      'Pour {email}. Rien ne s’est encore passé : cela n’arrive que lorsque vous appuyez sur le bouton.',
    nothingLeft: 'Il n’y a plus rien à faire pour ce lien.',
    openLazaret: 'Ouvrez {product}',
    seeAll: '{link} pour voir tout votre courrier retenu.',
    seeAllAgain: '{link} pour voir tout votre courrier retenu. Réutiliser ce lien ne fait aucun mal.',
    results: {
      released: 'Libéré : remis à {recipients}.',
      deleted: 'Supprimé.',
      requested: 'Libération demandée : un administrateur décidera.',
      already_released: 'Il a déjà été libéré ; rien n’a été renvoyé.',
      already_deleted: 'Il a déjà été supprimé.',
      already_requested: 'Sa libération a déjà été demandée.',
      delivery_deferred:
        'Le serveur de messagerie ne l’a pas accepté pour l’instant ; il reste en quarantaine. Réessayez plus tard.',
      delivery_rejected: 'Le serveur de messagerie l’a refusé ; il reste en quarantaine.',
    },
    nothingChanged: 'Rien n’a été modifié.',
    refusals: {
      link_invalid: {
        title: 'Ce lien n’est pas valide',
        message: 'Ce lien n’est pas valide : il est endommagé, a été modifié, ou sa clé a été retirée.',
        advice:
          'Il a peut-être été coupé ou modifié en route, ou il est trop ancien pour ce serveur. Utilisez un lien d’un résumé plus récent, ou connectez-vous à {product}.',
      },
      account_closed: {
        title: 'Ce lien n’est pas valide',
        message: 'Ce lien n’est plus valide : le compte auquel il a été envoyé est fermé.',
        advice: 'Connectez-vous à {product}, ou interrogez un administrateur au sujet du compte.',
      },
      link_expired: {
        title: 'Ce lien a expiré',
        message: 'Ce lien a expiré.',
        advice:
          'Les liens des résumés ne sont valables qu’un temps limité. Connectez-vous à {product} pour traiter le message, ou attendez votre prochain résumé.',
      },
      not_found: {
        title: 'Ce lien ne concerne pas votre courrier',
        message: 'Rien n’a été fait : ce lien ne désigne aucun de vos messages.',
        advice:
          'Le message qu’il désigne n’est pas (ou plus) dans votre quarantaine. Connectez-vous à {product} pour voir ce qui est retenu pour vous.',
      },
      link_wrong_user: {
        title: 'Ce lien est destiné à quelqu’un d’autre',
        message:
          'Ce lien a été envoyé à {email}, mais ce navigateur est connecté à {product} sous une autre identité.',
        advice:
          'Déconnectez-vous d’abord de {product} dans ce navigateur, ou ouvrez le lien là où vous êtes connecté comme son destinataire.',
      },
      internal_error: {
        title: 'Une erreur s’est produite',
        message: 'Le serveur n’a pas pu traiter ce lien.',
        advice: 'Rien n’a été modifié. Réessayez plus tard, ou connectez-vous à {product}.',
      },
    },
  },
};
