import type { Config } from '#server/platform/config.ts';
import { formatDate, formatPostalCode } from '#server/platform/format.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

export interface LetterData {
  letterId: number;
  createdAt: Date;
  firstName: string;
  lastName: string;
  username: string;
  /** Where the letter goes: the person's unit when it has an address, otherwise the organisation. */
  recipient: { organisationName: string; unitName: string | null; postalAddress: string; postalCode: string; city: string };
}

const MM = 72 / 25.4;

/**
 * The address block's place on the page, for a window envelope (README, "Username
 * letters"): the window is taken as 90 × 45 mm, 20 mm from the left edge and 45 mm from
 * the top of the folded sheet; the text keeps 5 mm inside it on every side, so a sheet
 * that shifts a few millimetres in the envelope still shows the whole address.
 */
export const ADDRESS_BLOCK = { left: 25 * MM, top: 50 * MM, width: 80 * MM, height: 35 * MM } as const;
/** Where the letter's own text starts: below the window, clear of the first fold (99 mm) on A4 folded in three. */
const BODY_TOP = 100 * MM;

/** "bokstaven m, bokstaven l, siffran 4 …": the username spelled so that no character can be mistaken. */
export function spellUsername(username: string): string {
  return [...username].map((char) => (/\d/.test(char) ? `siffran ${char}` : /\p{L}/u.test(char) ? `bokstaven ${char}` : `tecknet ${char}`)).join(', ');
}

/** One letter, drawn from the top of the current page. */
function drawLetter(pdf: TaggedPdf, letter: LetterData, config: Config, delayDays: number): void {
  const { doc } = pdf;
  const to = letter.recipient;
  const lines = [
    `${letter.firstName} ${letter.lastName}`,
    to.organisationName,
    to.unitName,
    to.postalAddress,
    `${formatPostalCode(to.postalCode)} ${to.city}`,
  ].filter((line): line is string => !!line);
  pdf.custom('P', (d) =>
    d.font('Regular').fontSize(11).text(lines.join('\n'), ADDRESS_BLOCK.left, ADDRESS_BLOCK.top, {
      width: ADDRESS_BLOCK.width,
      height: ADDRESS_BLOCK.height,
      ellipsis: true,
      lineGap: 1,
    }),
  );
  doc.x = doc.page.margins.left;
  doc.y = BODY_TOP;
  pdf.paragraph(`${config.authority.name}, ${formatDate(letter.createdAt)}`, { small: true });
  pdf.heading('Ditt användarnamn i Anordnarportalen', 1);
  pdf.paragraph(`Hej ${letter.firstName}! Du har fått ett konto i Anordnarportalen för ${to.organisationName}.`);
  pdf.custom('P', (d) => {
    d.font('Regular').fontSize(9).fillColor('#555555').text('Ditt användarnamn', d.page.margins.left, d.y);
    // Inter's stylistic set 2 draws l with a tail, a slashed zero and I with serifs; the
    // spacing keeps the characters apart. The text layer still reads the plain username.
    d.font('Bold')
      .fontSize(26)
      .fillColor('#000000')
      .text(letter.username, { features: ['ss02'], paragraphGap: 2 });
    d.font('Regular')
      .fontSize(9.5)
      .text(`Tecken för tecken: ${spellUsername(letter.username)}. Skriv användarnamnet med små bokstäver.`, { paragraphGap: 10 });
  });
  pdf.heading('Så loggar du in första gången', 2);
  pdf.list([
    `Du får ett engångslösenord i ett e-postmeddelande${delayDays > 0 ? ` några dagar efter det här brevet` : ''}. Det kommer separat, och inte i samma försändelse som användarnamnet.`,
    `Gå till lösenordskiosken: ${new URL('/losenordskiosk/byt', config.publicUrl).href}`,
    'Skriv ditt användarnamn och engångslösenordet. Välj sedan ett eget lösenord.',
    'Logga in med användarnamnet och ditt nya lösenord och godkänn villkoren för användare.',
  ]);
  pdf.paragraph(
    `Engångslösenordet gäller i ${config.rules.oneTimePasswordDays} dagar från att e-postmeddelandet skickas. Har det hunnit gå ut kan du beställa ett nytt lösenord i lösenordskiosken under Glömt lösenord.`,
  );
  pdf.heading('Behöver du hjälp?', 2);
  pdf.paragraph(
    `Kontakta administratören i din organisation, eller ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}. Spara brevet: vi skickar inte användarnamnet med e-post.`,
  );
}

/**
 * Username letters, one to a page, in the order given: one file for "Skriv ut alla", or
 * one letter. Each carries the username only: the one-time password goes by e-mail, days
 * later, so one stolen envelope or one read mailbox is not enough to log in.
 */
export async function usernameLettersPdf(letters: readonly LetterData[], config: Config): Promise<Buffer> {
  if (letters.length === 0) throw new Error('No letters to print');
  const first = letters[0];
  const pdf = new TaggedPdf({
    title: letters.length === 1 ? 'Ditt användarnamn i Anordnarportalen' : `Användarnamn i Anordnarportalen, ${letters.length} brev`,
    subject: 'Användarnamn',
    author: config.authority.name,
    // The newest letter's time: the same letters give the same bytes.
    createdAt: new Date(Math.max(...letters.map((letter) => letter.createdAt.getTime()))),
  });
  const sections: Array<{ firstPage: number; footer: string }> = [];
  letters.forEach((letter, index) => {
    const page = index === 0 ? pdf.pageIndex() : pdf.newPage();
    sections.push({ firstPage: page, footer: `Användarnamn · brev ${letter.letterId}` });
    drawLetter(pdf, letter, config, config.rules.oneTimePasswordDelayDays);
  });
  return pdf.finish(`Användarnamn · brev ${first.letterId}`, sections);
}

export const usernameLetterPdf = (letter: LetterData, config: Config) => usernameLettersPdf([letter], config);
