import type { Catalogue } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { formatDate, formatOrgNumber } from '#server/platform/format.ts';
import { addressLine } from '#server/pdf/application.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

/**
 * "Ny fullmakt": the form an organisation signs to change its fullmaktshavare. Prefilled
 * with the organisation (and nothing about the new person, who is written by hand) for a
 * signed-in fullmaktshavare or administratör organisation; blank from the handbook. It
 * lists every role of the catalogue, because the fullmaktshavare administers all of them
 * for the organisation: the signer sees what the fullmakt gives.
 */
export interface FullmaktForPdf {
  organisation?: { name: string; orgNumber: string; postalAddress: string; postalCode: string; city: string };
  /** When the document was made: fixed for a blank form so that the build makes the same bytes. */
  createdAt: Date;
}

const BLANK = '______________________________';

export async function fullmaktPdf(form: FullmaktForPdf, catalogue: Catalogue, config: Config): Promise<Buffer> {
  const organisation = form.organisation;
  const pdf = new TaggedPdf({
    title: 'Ny fullmakt',
    subject: organisation ? `Ny fullmakt för ${organisation.name}` : 'Ny fullmakt för en organisation i Anordnarportalen',
    author: config.authority.name,
    createdAt: form.createdAt,
  });
  pdf.heading('Ny fullmakt', 1);
  pdf.paragraph(
    `Med den här fullmakten byter organisationen fullmaktshavare i Anordnarportalen hos ${config.authority.name}. Fullmakten skrivs under av fullmaktsgivaren, den som har rätt att företräda organisationen, till exempel en firmatecknare, och av den nya fullmaktshavaren.`,
  );
  pdf.heading('Organisation', 2);
  pdf.field('Organisationens namn', organisation?.name ?? BLANK);
  pdf.field('Organisationsnummer', organisation ? formatOrgNumber(organisation.orgNumber) : BLANK);
  pdf.field('Utdelningsadress', organisation ? addressLine(organisation) : BLANK);
  pdf.heading('Ny fullmaktshavare', 2);
  pdf.paragraph('Fyll i med tydlig handstil. Om personen redan har ett användarkonto i organisationen, skriv också användarnamnet.', { small: true });
  pdf.field('Förnamn och efternamn', BLANK);
  pdf.field('E-postadress', BLANK);
  pdf.field('Användarnamn, om personen redan har ett konto', BLANK);

  pdf.heading('Vad fullmakten ger', 2);
  pdf.paragraph(
    'Fullmaktshavaren företräder organisationen i Anordnarportalen. Hen administrerar organisationens användare och enheter och ger och tar bort alla roller i alla tjänster som organisationen är godkänd för. Det är dessa roller:',
  );
  for (const area of catalogue.areas) {
    pdf.paragraph(area.name);
    pdf.list(area.roles.map((role) => `${role.name} (${role.key})`));
  }
  pdf.paragraph('Den tidigare fullmaktshavaren förlorar rollen fullmaktshavare men behåller sitt användarkonto och sina övriga roller.', { small: true });

  pdf.keepTogether(() => {
    pdf.heading('Underskrifter', 2);
    pdf.paragraph('Organisationen ger personen ovan fullmakt att vara organisationens fullmaktshavare i Anordnarportalen.');
    pdf.signatureBlock('Fullmaktsgivare');
    pdf.signatureBlock('Ny fullmaktshavare');
  });
  pdf.keepTogether(() => {
    pdf.heading('Skicka fullmakten', 2);
    pdf.paragraph(
      `Skicka originalet med post till ${config.authority.postalAddress}, tillsammans med ett registreringsbevis eller annat bevis, högst tre månader gammalt, som visar att fullmaktsgivaren får företräda organisationen.`,
    );
    pdf.paragraph(
      `Frågor? Kontakta ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}.`,
      { small: true },
    );
  });
  return pdf.finish(organisation ? `Ny fullmakt · ${organisation.name} · ${formatDate(form.createdAt)}` : 'Ny fullmakt');
}
