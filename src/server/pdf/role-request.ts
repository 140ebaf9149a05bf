import type { Person } from '#server/applications/applications.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { formatDate, formatOrgNumber } from '#server/platform/format.ts';
import { addressLine, personName, postingSection, signedBy, undertakingAreas } from '#server/pdf/application.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

export interface RoleRequestForPdf {
  reference: string;
  createdAt: Date;
  organisation: { name: string; orgNumber: string; postalAddress: string; postalCode: string; city: string };
  areas: string[];
  /**
   * Who signs for the organisation, when the portal knows it. It usually does not: the
   * fullmaktsgivare of the organisation's first application may no longer be the one who
   * may sign, so the name is left to be written by hand.
   */
  signatory?: Pick<Person, 'firstName' | 'lastName'> | null;
}

const areaName = (key: string) => findArea(key)?.name ?? key;

/**
 * Ansökan om ny roll, to print, sign and post, after a first page that says what goes in
 * the envelope (with boxes to tick); deterministic like the other documents.
 */
export async function roleRequestPdf(request: RoleRequestForPdf, config: Config): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: `Ansökan om ny roll ${request.reference}`,
    subject: `Ansökan om ny roll för ${request.organisation.name}`,
    author: config.authority.name,
    createdAt: request.createdAt,
  });
  const signer = signedBy('Fullmaktsgivare', request.signatory);
  pdf.qr(request.reference, `QR-kod med referensnumret ${request.reference}`);
  pdf.heading('Så skickar ni in ansökan om ny roll', 1);
  pdf.field('Referensnummer', request.reference);
  pdf.field('Organisation', request.organisation.name);
  pdf.paragraph('Den här sidan behåller ni. Skriv ut hela dokumentet och kryssa i rutan för varje del när den ligger i kuvertet.');
  pdf.heading('Det här ska ligga i kuvertet', 2);
  pdf.checklist([
    'Ansökan om ny roll (från sidan 2 i det här dokumentet), underskriven av fullmaktsgivaren: den som har rätt att företräda organisationen, till exempel en firmatecknare.',
    ...undertakingAreas(request.areas).map(
      (key) => `Ansvarsförbindelse – ${areaName(key)}, underskriven av samma person. Den är ett eget dokument på sidan för ansökan om ny roll.`,
    ),
    'Registreringsbevis eller annat bevis, högst tre månader gammalt, som visar att den som skriver under får företräda organisationen.',
  ]);
  postingSection(pdf, request.reference, config);

  pdf.newPage();
  pdf.qr(request.reference, `QR-kod med referensnumret ${request.reference}`);
  pdf.heading('Ansökan om ny roll', 1);
  pdf.field('Referensnummer', request.reference);
  pdf.field('Skapad', formatDate(request.createdAt));
  pdf.heading('Organisation', 2);
  pdf.field('Organisationens namn', request.organisation.name);
  pdf.field('Organisationsnummer', formatOrgNumber(request.organisation.orgNumber));
  pdf.field('Utdelningsadress', addressLine(request.organisation));
  // What is asked for and the signature under it stay on one page.
  pdf.keepTogether(() => {
    pdf.heading('Organisationen ansöker om', 2);
    pdf.list(request.areas.map(areaName));
    pdf.paragraph(
      `Organisationen ansöker om att bli godkänd hos ${config.authority.name} för områdena ovan, så att organisationens användare kan få rollerna för dem.`,
    );
    pdf.heading('Underskrift', 2);
    pdf.paragraph(
      personName(request.signatory)
        ? 'Ansökan skrivs under av fullmaktsgivaren, som har rätt att företräda organisationen.'
        : 'Ansökan skrivs under av fullmaktsgivaren: den som har rätt att företräda organisationen, till exempel en firmatecknare. Skriv namnet tydligt på raden för namnförtydligande.',
      { small: true },
    );
    pdf.signatureBlock(signer);
  });
  return pdf.finish(`Ansökan om ny roll · ${request.reference}`);
}
