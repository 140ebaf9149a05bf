import type { Config } from '#server/platform/config.ts';
import { formatDate, formatDateTime } from '#server/platform/format.ts';
import { renderMail, type RenderedMail } from '#server/mail/mail.ts';

/**
 * The account mails. Links are built from PUBLIC_URL, never from a request's Host
 * header, so that a forged Host cannot point a mail at another site.
 */
interface Person {
  first_name: string;
  username: string;
}

/** A mail to one user: greeted by first name, ending with one link into the portal. */
function accountMail(user: Person, config: Config, subject: string, paragraphs: string[], action: { label: string; path: string }): RenderedMail {
  const url = new URL(action.path, config.publicUrl).href;
  return renderMail({ subject, greeting: `Hej ${user.first_name}!`, paragraphs, action: { label: action.label, url } }, config.authority);
}

export function lockedMail(user: Person, until: Date, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    'Ditt konto i Anordnarportalen är tillfälligt låst',
    [
      `Någon har skrivit fel lösenord eller fel kod för ditt användarnamn ${user.username} för många gånger. Kontot är därför låst till ${formatDateTime(until)}. Sedan kan du logga in som vanligt.`,
      'Om det var du som skrev fel och du inte minns lösenordet kan du beställa ett nytt lösenord i lösenordskiosken, även medan kontot är låst.',
      `Om det inte var du, kontakta ${config.authority.name} på ${config.authority.phone}.`,
    ],
    { label: 'Gå till lösenordskiosken', path: '/losenordskiosk' },
  );
}

export function passwordChangedMail(user: Person, at: Date, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    'Ditt lösenord har ändrats',
    [
      `Lösenordet för ditt användarnamn ${user.username} i Anordnarportalen ändrades ${formatDateTime(at)}.`,
      `Om det inte var du som ändrade det, beställ ett nytt lösenord i lösenordskiosken med en gång och kontakta ${config.authority.name} på ${config.authority.phone}.`,
    ],
    { label: 'Gå till lösenordskiosken', path: '/losenordskiosk' },
  );
}

export function resetCodeMail(user: Person, code: string, expiresAt: Date, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    'Din kod för att byta lösenord',
    [
      `Din kod är: ${code}`,
      `Skriv in koden i lösenordskiosken. Koden gäller till ${formatDateTime(expiresAt)} och kan bara användas en gång.`,
      'Om du inte har bett om en kod kan du bortse från det här meddelandet. Ditt lösenord är då oförändrat.',
    ],
    { label: 'Gå till lösenordskiosken', path: '/losenordskiosk/glomt/kod' },
  );
}

export function oneTimePasswordMail(user: Person, oneTimePassword: string, expiresAt: Date, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    'Ditt engångslösenord till Anordnarportalen',
    [
      'Du har fått ett konto i Anordnarportalen. Ditt användarnamn har vi skickat i ett brev med posten.',
      `Ditt engångslösenord är: ${oneTimePassword}`,
      `Engångslösenordet gäller till ${formatDate(expiresAt)}. När du har fått brevet med användarnamnet går du till lösenordskiosken, väljer "Byt lösenord" och skriver in användarnamnet och engångslösenordet. Sedan väljer du ett eget lösenord.`,
    ],
    { label: 'Gå till lösenordskiosken', path: '/losenordskiosk/byt' },
  );
}

export function expiryNoticeMail(user: Person, expiresAt: Date, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    'Ditt lösenord till Anordnarportalen går snart ut',
    [
      `Lösenordet för ditt användarnamn ${user.username} går ut ${formatDate(expiresAt)}.`,
      'Byt lösenord innan dess i lösenordskiosken, så kan du fortsätta logga in som vanligt.',
    ],
    { label: 'Byt lösenord', path: '/losenordskiosk/byt' },
  );
}

/**
 * The application mails about a decision or a completion. Sent to the addresses the
 * application gave; the handläggare's own words (what is missing, the reason for a
 * rejection) are the only free text in them.
 */
interface ApplicationMailData {
  reference: string;
  orgName: string;
}

function applicationMail(config: Config, subject: string, greeting: string, paragraphs: string[]): RenderedMail {
  return renderMail({ subject, greeting, paragraphs }, config.authority);
}

/** How to appeal a decision: to whom, within how long, what to include. The status page says the same. */
export function appealParagraphs(reference: string, config: Config): string[] {
  const { authority, rules } = config;
  return [
    `Om ni inte är nöjda med beslutet kan ni överklaga det. Överklagandet ska skickas till ${authority.name}, inte direkt till den som ska pröva det. Skicka det med post till ${authority.postalAddress}. Det ska ha kommit in till oss inom ${rules.appealWeeks} veckor från den dag ni fick del av beslutet.`,
    `Skriv i överklagandet vilket beslut det gäller (referensnummer ${reference}), hur ni vill att beslutet ska ändras och varför. Bifoga det som stöder er uppfattning och skriv under. Vi prövar först om vi själva ska ändra beslutet, och skickar annars överklagandet vidare till den som ska pröva det.`,
  ];
}

export function approvalMail(data: ApplicationMailData & { firstName: string }, config: Config): RenderedMail {
  return applicationMail(config, `Er ansökan ${data.reference} är godkänd`, `Hej ${data.firstName}!`, [
    `Ansökan om användarkonto för ${data.orgName} är godkänd. Du är organisationens fullmaktshavare.`,
    'Först får du ditt användarnamn med brev. Några dagar efter att brevet har skickats får du ett engångslösenord med e-post. Sedan väljer du ett eget lösenord i lösenordskiosken.',
    'Ni behöver inte skicka något mer till oss.',
  ]);
}

export function rejectionMail(data: ApplicationMailData & { firstName: string; reason: string }, config: Config): RenderedMail {
  return applicationMail(config, `Beslut om er ansökan ${data.reference}`, `Hej ${data.firstName}!`, [
    `Ansökan om användarkonto för ${data.orgName} har avslagits.`,
    `Motivering: ${data.reason}`,
    ...appealParagraphs(data.reference, config),
    `Har du frågor om beslutet? Kontakta ${config.authority.name} på ${config.authority.phone}.`,
  ]);
}

export function completionRequestMail(data: ApplicationMailData & { missing: string; deadline: Date }, config: Config): RenderedMail {
  return applicationMail(config, `Komplettera er ansökan ${data.reference}`, 'Hej!', [
    `Vi har tagit emot underlaget till ansökan om användarkonto för ${data.orgName}, men det behöver kompletteras innan vi kan fatta beslut.`,
    `Det här saknas: ${data.missing}`,
    `Skicka kompletteringen med post till ${config.authority.postalAddress}. Skriv referensnumret ${data.reference} på kuvertet. Kompletteringen ska ha kommit fram senast ${formatDate(data.deadline)}. Annars upphör ansökan att gälla.`,
    'Du ser vad som saknas och hur det går med ansökan via länken i det första e-postmeddelandet om ansökan.',
    `Har du frågor? Kontakta ${config.authority.name} på ${config.authority.phone} eller ${config.authority.email}.`,
  ]);
}

/** To each administrator of the organisation a unit is offered to: what it means and where to answer. */
export function transferOfferedMail(user: Person, offer: { unit: string; from: string; to: string }, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    `${offer.from} vill flytta enheten ${offer.unit} till er`,
    [
      `${offer.from} har föreslagit att enheten ${offer.unit} flyttas till ${offer.to} i Anordnarportalen.`,
      `Logga in och gå till Organisation och användare för att ta emot enheten eller tacka nej. Om ni tar emot den blir ${offer.to} huvudman för enheten, och de roller som ${offer.from}s användare har i den upphör. Ni ger sedan era egna användare roller i enheten.`,
      `Om ni inte känner till förslaget, kontakta ${offer.from} eller ${config.authority.name} på ${config.authority.phone}.`,
    ],
    { label: 'Gå till Organisation och användare', path: '/mina-tjanster/organisation' },
  );
}

/** To the new fullmaktshavare once a handläggare has registered the fullmakt that names them. */
export function fullmaktshavareNewMail(user: Person, orgName: string, created: boolean, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    `Du är nu fullmaktshavare för ${orgName}`,
    [
      `${config.authority.name} har registrerat en ny fullmakt för ${orgName}. Du är nu organisationens fullmaktshavare i Anordnarportalen och administrerar organisationens användare och deras roller.`,
      created
        ? 'Först får du ditt användarnamn med brev. Några dagar efter att brevet har skickats får du ett engångslösenord med e-post. Sedan väljer du ett eget lösenord i lösenordskiosken.'
        : 'Du loggar in som vanligt med ditt användarnamn och lösenord. Under Organisation och användare finns allt som fullmaktshavaren gör.',
      `Om du inte känner till fullmakten, kontakta ${config.authority.name} på ${config.authority.phone}.`,
    ],
    { label: 'Gå till Organisation och användare', path: '/mina-tjanster/organisation' },
  );
}

/** To the former fullmaktshavare: the role has moved; their other roles and their account stay. */
export function fullmaktshavareLeftMail(user: Person, orgName: string, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    `Du är inte längre fullmaktshavare för ${orgName}`,
    [
      `${config.authority.name} har registrerat en ny fullmakt för ${orgName} som ger rollen fullmaktshavare till en annan person. Du har därför inte längre den rollen.`,
      'Ditt användarkonto och dina övriga roller finns kvar som tidigare.',
      `Om du inte känner till den nya fullmakten, kontakta ${config.authority.name} på ${config.authority.phone}.`,
    ],
    { label: 'Logga in', path: '/logga-in' },
  );
}

/** To each user who was active when the authority closed their organisation. */
export function organisationClosedMail(user: Person, orgName: string, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    `${orgName} är stängd i Anordnarportalen`,
    [
      `${config.authority.name} har stängt ${orgName} i Anordnarportalen. Ditt användarkonto ${user.username} är därför inaktiverat och du kan inte längre logga in. Organisationen och dess enheter finns inte längre med i registret.`,
      `Om organisationen fortfarande bedriver verksamhet, kontakta ${config.authority.name} på ${config.authority.phone} så snart som möjligt.`,
    ],
    { label: 'Gå till Anordnarportalen', path: '/' },
  );
}

/** To each user that reopening the organisation made active again. */
export function organisationReopenedMail(user: Person, orgName: string, config: Config): RenderedMail {
  return accountMail(
    user,
    config,
    `${orgName} är öppen igen i Anordnarportalen`,
    [
      `${config.authority.name} har öppnat ${orgName} igen. Ditt användarkonto ${user.username} är aktivt igen med samma roller som tidigare, och du kan logga in som vanligt.`,
    ],
    { label: 'Logga in', path: '/logga-in' },
  );
}
