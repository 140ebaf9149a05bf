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

const link = (config: Config, path: string) => new URL(path, config.publicUrl).href;

export function lockedMail(user: Person, until: Date, config: Config): RenderedMail {
  return renderMail(
    {
      subject: 'Ditt konto i Anordnarportalen är tillfälligt låst',
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [
        `Någon har skrivit fel lösenord för ditt användarnamn ${user.username} för många gånger. Kontot är därför låst till ${formatDateTime(until)}. Sedan kan du logga in som vanligt.`,
        'Om det var du som skrev fel och du inte minns lösenordet kan du beställa ett nytt lösenord i lösenordskiosken, även medan kontot är låst.',
        `Om det inte var du, kontakta ${config.authority.name} på ${config.authority.phone}.`,
      ],
      action: { label: 'Gå till lösenordskiosken', url: link(config, '/losenordskiosk') },
    },
    config.authority,
  );
}

export function passwordChangedMail(user: Person, at: Date, config: Config): RenderedMail {
  return renderMail(
    {
      subject: 'Ditt lösenord har ändrats',
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [
        `Lösenordet för ditt användarnamn ${user.username} i Anordnarportalen ändrades ${formatDateTime(at)}.`,
        `Om det inte var du som ändrade det, beställ ett nytt lösenord i lösenordskiosken med en gång och kontakta ${config.authority.name} på ${config.authority.phone}.`,
      ],
      action: { label: 'Gå till lösenordskiosken', url: link(config, '/losenordskiosk') },
    },
    config.authority,
  );
}

export function resetCodeMail(user: Person, code: string, expiresAt: Date, config: Config): RenderedMail {
  return renderMail(
    {
      subject: 'Din kod för att byta lösenord',
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [
        `Din kod är: ${code}`,
        `Skriv in koden i lösenordskiosken. Koden gäller till ${formatDateTime(expiresAt)} och kan bara användas en gång.`,
        'Om du inte har bett om en kod kan du bortse från det här meddelandet. Ditt lösenord är då oförändrat.',
      ],
      action: { label: 'Gå till lösenordskiosken', url: link(config, '/losenordskiosk/glomt/kod') },
    },
    config.authority,
  );
}

export function oneTimePasswordMail(user: Person, oneTimePassword: string, expiresAt: Date, config: Config): RenderedMail {
  return renderMail(
    {
      subject: 'Ditt engångslösenord till Anordnarportalen',
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [
        'Du har fått ett konto i Anordnarportalen. Ditt användarnamn kommer i ett brev med posten.',
        `Ditt engångslösenord är: ${oneTimePassword}`,
        `Engångslösenordet gäller till ${formatDate(expiresAt)}. När du har fått brevet med användarnamnet går du till lösenordskiosken, väljer "Byt lösenord" och skriver in användarnamnet och engångslösenordet. Sedan väljer du ett eget lösenord.`,
      ],
      action: { label: 'Gå till lösenordskiosken', url: link(config, '/losenordskiosk/byt') },
    },
    config.authority,
  );
}

export function expiryNoticeMail(user: Person, expiresAt: Date, config: Config): RenderedMail {
  return renderMail(
    {
      subject: 'Ditt lösenord till Anordnarportalen går snart ut',
      greeting: `Hej ${user.first_name}!`,
      paragraphs: [
        `Lösenordet för ditt användarnamn ${user.username} går ut ${formatDate(expiresAt)}.`,
        'Byt lösenord innan dess i lösenordskiosken, så kan du fortsätta logga in som vanligt.',
      ],
      action: { label: 'Byt lösenord', url: link(config, '/losenordskiosk/byt') },
    },
    config.authority,
  );
}
