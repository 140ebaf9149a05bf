import type { Config } from '#server/platform/config.ts';
import { formatDateTime } from '#server/platform/format.ts';
import { renderMail, type RenderedMail } from '#server/mail/mail.ts';

/**
 * The mails about a person's login methods: each tells the owner, and only the owner, that
 * something changed, and who to call when it was not them. Links come from PUBLIC_URL.
 */
interface Person {
  first_name: string;
  username: string;
}

function securityMail(user: Person, config: Config, subject: string, paragraphs: string[]): RenderedMail {
  const url = new URL('/mina-tjanster/sakerhet', config.publicUrl).href;
  return renderMail(
    {
      subject,
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [...paragraphs, `Om det inte var du, kontakta ${config.authority.name} på ${config.authority.phone} med en gång.`],
      action: { label: 'Se dina inloggningsmetoder', url },
    },
    config.authority,
  );
}

export function recoveryCodeUsedMail(user: Person, at: Date, remaining: number, config: Config): RenderedMail {
  return securityMail(user, config, 'En reservkod har använts för att logga in', [
    `Någon loggade in med ditt användarnamn ${user.username} och en av dina reservkoder ${formatDateTime(at)}.`,
    remaining === 1
      ? 'Du har 1 oanvänd reservkod kvar.'
      : `Du har ${remaining} oanvända reservkoder kvar.${remaining < 3 ? ' Skapa nya reservkoder under Säkerhet i portalen.' : ''}`,
    'Har du tappat bort telefonen med appen? Ta då bort appen under Säkerhet och lägg till den igen på din nya telefon.',
  ]);
}

export function factorAddedMail(user: Person, at: Date, config: Config): RenderedMail {
  return securityMail(user, config, 'Du har lagt till en inloggningsmetod', [
    `En app för engångskoder lades till för ditt användarnamn ${user.username} ${formatDateTime(at)}. Den används när du loggar in i Anordnarportalen.`,
  ]);
}

export function factorRemovedMail(user: Person, at: Date, config: Config): RenderedMail {
  return securityMail(user, config, 'Du har tagit bort en inloggningsmetod', [
    `Appen för engångskoder togs bort från ditt användarnamn ${user.username} ${formatDateTime(at)}.`,
  ]);
}

export function factorsRemovedBySupportMail(user: Person, at: Date, config: Config): RenderedMail {
  return securityMail(user, config, 'Dina inloggningsmetoder har tagits bort', [
    `${config.authority.name} har tagit bort alla inloggningsmetoder för ditt användarnamn ${user.username} ${formatDateTime(at)}: appen för engångskoder, dina passkeys och dina reservkoder.`,
    'Nästa gång du loggar in räcker ditt lösenord. Om ditt konto kräver en inloggningsmetod får du lägga till en ny direkt efter inloggningen.',
  ]);
}
