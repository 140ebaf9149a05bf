import { formatPersonnummer, type ApplicationRow, type Person } from '#server/applications/applications.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { formatDate, formatOrgNumber } from '#server/platform/format.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

/**
 * The documents an applying organisation prints, signs and posts: the application
 * itself and an Ansvarsförbindelse for each area whose catalogue entry requires one.
 * The same application gives byte-identical files (dates from the submission).
 */
export type ApplicationForPdf = Pick<
  ApplicationRow,
  'reference' | 'org_number' | 'org_name' | 'postal_address' | 'postal_code' | 'city' | 'phone' | 'email' | 'submitted_at'
> & {
  signatory: Person;
  holder: Person;
  areas: string[];
};

const postal = (value: string) => value.replace(/^(\d{3})(\d{2})$/, '$1 $2');
const name = (person: Person) => `${person.firstName} ${person.lastName}`;

function header(pdf: TaggedPdf, title: string, application: ApplicationForPdf): void {
  pdf.qr(application.reference, `QR-kod med referensnumret ${application.reference}`);
  pdf.heading(title, 1);
  pdf.field('Referensnummer', application.reference);
  pdf.field('Inskickad', formatDate(application.submitted_at));
}

function organisation(pdf: TaggedPdf, application: ApplicationForPdf): void {
  pdf.heading('Organisation', 2);
  pdf.field('Organisationens namn', application.org_name);
  pdf.field('Organisationsnummer', formatOrgNumber(application.org_number));
  pdf.field('Utdelningsadress', `${application.postal_address}, ${postal(application.postal_code)} ${application.city}`);
  pdf.field('Telefon och e-post', `${application.phone} · ${application.email}`);
}

function posting(pdf: TaggedPdf, application: ApplicationForPdf, config: Config, attachments: string[]): void {
  pdf.heading('Så skickar ni in', 2);
  pdf.list([
    'Skriv ut dokumentet och kontrollera uppgifterna.',
    'Låt de personer som anges skriva under med namnteckning, namnförtydligande, ort och datum.',
    ...attachments,
    `Skicka originalen med post till ${config.authority.postalAddress}. Skriv referensnumret ${application.reference} på kuvertet.`,
  ]);
  pdf.paragraph(`Frågor? Kontakta ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}.`, {
    small: true,
  });
}

export async function applicationPdf(application: ApplicationForPdf, config: Config): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: `Ansökan om användarkonto ${application.reference}`,
    subject: `Ansökan om användarkonto för ${application.org_name}`,
    author: config.authority.name,
    createdAt: application.submitted_at,
  });
  header(pdf, 'Ansökan om användarkonto', application);
  pdf.paragraph(
    `Organisationen ansöker om ett användarkonto i Anordnarportalen hos ${config.authority.name}. Fullmaktshavaren får organisationens huvudkonto och administrerar organisationens användare och behörigheter.`,
  );
  organisation(pdf, application);
  pdf.heading('Organisationens roll mot myndigheten', 2);
  pdf.list(application.areas.map((key) => findArea(key)?.name ?? key));
  pdf.heading('Fullmaktsgivare', 2);
  pdf.field('Namn', name(application.signatory));
  pdf.field('Personnummer', formatPersonnummer(application.signatory.personnummer));
  pdf.field('Befattning', application.signatory.title ?? '');
  pdf.heading('Fullmaktshavare', 2);
  pdf.field('Namn', name(application.holder));
  pdf.field('Personnummer', formatPersonnummer(application.holder.personnummer));
  pdf.field('E-post och telefon', `${application.holder.email ?? ''} · ${application.holder.phone ?? ''}`);
  pdf.heading('Fullmakt', 2);
  pdf.paragraph(
    `Fullmaktsgivaren, som har rätt att företräda ${application.org_name}, ger fullmaktshavaren rätt att för organisationens räkning ha organisationens huvudkonto i Anordnarportalen, lägga till och ta bort användare och ge dem behörigheter. Fullmakten gäller tills organisationen återkallar den skriftligt.`,
  );
  pdf.heading('Underskrifter', 2);
  pdf.signatureBlock(`Fullmaktsgivare: ${name(application.signatory)}`);
  pdf.signatureBlock(`Fullmaktshavare: ${name(application.holder)}`);
  posting(pdf, application, config, [
    'Bifoga ett registreringsbevis eller annat bevis, högst tre månader gammalt, som visar att fullmaktsgivaren får företräda organisationen.',
    'Bifoga en kopia av en giltig id-handling för fullmaktsgivaren och för fullmaktshavaren.',
  ]);
  return pdf.finish(`Ansökan om användarkonto · ${application.reference}`);
}

/** The areas of an application that need an Ansvarsförbindelse. */
export const undertakingAreas = (areas: string[]) => areas.filter((key) => findArea(key)?.requiresUndertaking);

export async function undertakingPdf(application: ApplicationForPdf, areaKey: string, config: Config): Promise<Buffer> {
  const area = findArea(areaKey);
  const areaName = area?.name ?? areaKey;
  const pdf = new TaggedPdf({
    title: `Ansvarsförbindelse ${areaName} ${application.reference}`,
    subject: `Ansvarsförbindelse för ${application.org_name}`,
    author: config.authority.name,
    createdAt: application.submitted_at,
  });
  header(pdf, `Ansvarsförbindelse – ${areaName}`, application);
  organisation(pdf, application);
  pdf.heading('Organisationen åtar sig att', 2);
  pdf.list([
    `lämna korrekta och fullständiga uppgifter till ${config.authority.name} i de e-tjänster som gäller ${areaName.toLowerCase()},`,
    'se till att bara personer som arbetar för organisationen och behöver det har användarkonton och roller,',
    'ta bort behörigheter när en person slutar eller inte längre behöver dem,',
    'se till att användarna håller sina lösenord hemliga och följer villkoren för användare,',
    'svara för det som görs i organisationens namn med organisationens användarkonton.',
  ]);
  pdf.paragraph(
    `Ansvarsförbindelsen gäller från det att ${config.authority.name} har godkänt ansökan och så länge organisationen har ett konto i Anordnarportalen.`,
  );
  pdf.heading('Underskrift', 2);
  pdf.paragraph('Ansvarsförbindelsen skrivs under av fullmaktsgivaren, som har rätt att företräda organisationen.', { small: true });
  pdf.signatureBlock(`Fullmaktsgivare: ${name(application.signatory)}`);
  posting(pdf, application, config, ['Skicka ansvarsförbindelsen i samma kuvert som ansökan om användarkonto.']);
  return pdf.finish(`Ansvarsförbindelse ${areaName} · ${application.reference}`);
}
