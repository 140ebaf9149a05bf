import type { Config } from '#server/platform/config.ts';
import { formatDate } from '#server/platform/format.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

export interface LetterData {
  letterId: number;
  createdAt: Date;
  firstName: string;
  lastName: string;
  username: string;
  organisation: { name: string; postalAddress: string; postalCode: string; city: string };
}

const postal = (value: string) => value.replace(/^(\d{3})(\d{2})$/, '$1 $2');

/**
 * The username letter, addressed to the person at their organisation. It carries the
 * username only: the one-time password goes by e-mail, so one stolen envelope or one
 * read mailbox is not enough to log in.
 */
export async function usernameLetterPdf(letter: LetterData, config: Config): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: `Ditt användarnamn i Anordnarportalen`,
    subject: 'Användarnamn',
    author: config.authority.name,
    createdAt: letter.createdAt,
  });
  pdf.paragraph(
    [
      `${letter.firstName} ${letter.lastName}`,
      letter.organisation.name,
      letter.organisation.postalAddress,
      `${postal(letter.organisation.postalCode)} ${letter.organisation.city}`,
    ].join('\n'),
  );
  pdf.paragraph(`${config.authority.name}, ${formatDate(letter.createdAt)}`, { small: true });
  pdf.heading('Ditt användarnamn i Anordnarportalen', 1);
  pdf.paragraph(`Hej ${letter.firstName}! Du har fått ett konto i Anordnarportalen för ${letter.organisation.name}.`);
  pdf.field('Ditt användarnamn', letter.username);
  pdf.heading('Så loggar du in första gången', 2);
  pdf.list([
    'Du får ett engångslösenord i ett e-postmeddelande. Det kommer separat från det här brevet.',
    `Gå till lösenordskiosken: ${new URL('/losenordskiosk/byt', config.publicUrl).href}`,
    'Skriv ditt användarnamn och engångslösenordet. Välj sedan ett eget lösenord.',
    'Logga in med användarnamnet och ditt nya lösenord och godkänn villkoren för användare.',
  ]);
  pdf.paragraph(
    `Engångslösenordet gäller i ${config.rules.oneTimePasswordDays} dagar. Har det hunnit gå ut kan du beställa ett nytt i lösenordskiosken under Glömt lösenord.`,
  );
  pdf.heading('Behöver du hjälp?', 2);
  pdf.paragraph(
    `Kontakta administratören i din organisation, eller ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}. Spara brevet: vi skickar inte användarnamnet med e-post.`,
  );
  return pdf.finish(`Användarnamn · brev ${letter.letterId}`);
}
