import { findArea } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { formatDate } from '#server/platform/format.ts';
import { TaggedPdf } from '#server/pdf/document.ts';
import { formatOrgNumber } from '#server/platform/format.ts';

export interface RoleRequestForPdf {
  reference: string;
  createdAt: Date;
  organisation: { name: string; orgNumber: string; postalAddress: string; postalCode: string; city: string };
  areas: string[];
}

/** Ansökan om ny roll, to print, sign and post; deterministic like the other documents. */
export async function roleRequestPdf(request: RoleRequestForPdf, config: Config): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: `Ansökan om ny roll ${request.reference}`,
    subject: `Ansökan om ny roll för ${request.organisation.name}`,
    author: config.authority.name,
    createdAt: request.createdAt,
  });
  pdf.qr(request.reference, `QR-kod med referensnumret ${request.reference}`);
  pdf.heading('Ansökan om ny roll', 1);
  pdf.field('Referensnummer', request.reference);
  pdf.field('Skapad', formatDate(request.createdAt));
  pdf.heading('Organisation', 2);
  pdf.field('Organisationens namn', request.organisation.name);
  pdf.field('Organisationsnummer', formatOrgNumber(request.organisation.orgNumber));
  pdf.field('Utdelningsadress', `${request.organisation.postalAddress}, ${request.organisation.postalCode} ${request.organisation.city}`);
  pdf.heading('Organisationen ansöker om', 2);
  pdf.list(request.areas.map((key) => findArea(key)?.name ?? key));
  pdf.paragraph(
    `Organisationen ansöker om att bli godkänd hos ${config.authority.name} för områdena ovan, så att organisationens användare kan få rollerna för dem.`,
  );
  pdf.heading('Underskrift', 2);
  pdf.paragraph('Ansökan skrivs under av någon som har rätt att företräda organisationen, till exempel en firmatecknare.', { small: true });
  pdf.signatureBlock('Fullmaktsgivare');
  pdf.heading('Så skickar ni in', 2);
  pdf.list([
    'Skriv ut ansökan och låt fullmaktsgivaren skriva under.',
    'Bifoga ett registreringsbevis som är högst tre månader gammalt.',
    ...(request.areas.some((key) => findArea(key)?.requiresUndertaking)
      ? ['Bifoga en underskriven ansvarsförbindelse för de områden som kräver det. Den finns att hämta på samma sida som den här ansökan.']
      : []),
    `Skicka originalen till ${config.authority.postalAddress}. Skriv referensnumret ${request.reference} på kuvertet.`,
  ]);
  return pdf.finish(`Ansökan om ny roll · ${request.reference}`);
}
