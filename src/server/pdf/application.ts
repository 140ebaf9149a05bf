import type { ApplicationRow, Person } from '#server/applications/applications.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { formatDate, formatOrgNumber, formatPersonnummer, formatPostalCode } from '#server/platform/format.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

/**
 * The documents an applying organisation prints, signs and posts: the application
 * itself (after a first page that says what goes in the envelope, with boxes to tick) and
 * an Ansvarsförbindelse for each area whose catalogue entry requires one. The same
 * application gives byte-identical files (dates from the submission).
 */
export type ApplicationForPdf = Pick<
  ApplicationRow,
  'reference' | 'org_number' | 'org_name' | 'postal_address' | 'postal_code' | 'city' | 'phone' | 'email' | 'submitted_at'
> & {
  signatory: Person;
  holder: Person;
  areas: string[];
};

/**
 * What an Ansvarsförbindelse needs: the organisation, the paper it is posted with, and its
 * signatory when the portal knows who that is (an application names its fullmaktsgivare;
 * a request for a new role does not, and the name is then written by hand).
 */
export type UndertakingForPdf = Pick<
  ApplicationForPdf,
  'reference' | 'org_number' | 'org_name' | 'postal_address' | 'postal_code' | 'city' | 'phone' | 'email' | 'submitted_at'
> & {
  signatory?: Pick<Person, 'firstName' | 'lastName'> | null;
  /** The paper it goes in the envelope with: the application for an account (the default) or a request for a new role. */
  enclosedWith?: 'application' | 'roleRequest';
};

/** A person's name, or undefined when it is not known (blank, or not given). */
export const personName = (person: Pick<Person, 'firstName' | 'lastName'> | null | undefined): string | undefined => {
  const name = `${person?.firstName ?? ''} ${person?.lastName ?? ''}`.trim();
  return name || undefined;
};

/** The caption over a signature: "Fullmaktsgivare: Göran Öst", or the role alone when the name is not known. */
export const signedBy = (role: string, person: Pick<Person, 'firstName' | 'lastName'> | null | undefined) => {
  const name = personName(person);
  return name ? `${role}: ${name}` : role;
};

/** The postal address as one line: "Storgatan 1, 903 25 Umeå". */
export const addressLine = (address: { postalAddress: string; postalCode: string; city: string }) =>
  `${address.postalAddress}, ${formatPostalCode(address.postalCode)} ${address.city}`;

type OrganisationForPdf = Pick<UndertakingForPdf, 'org_number' | 'org_name' | 'postal_address' | 'postal_code' | 'city' | 'phone' | 'email'>;

function organisation(pdf: TaggedPdf, application: OrganisationForPdf): void {
  pdf.heading('Organisation', 2);
  pdf.field('Organisationens namn', application.org_name);
  pdf.field('Organisationsnummer', formatOrgNumber(application.org_number));
  pdf.field('Utdelningsadress', addressLine({ postalAddress: application.postal_address, postalCode: application.postal_code, city: application.city }));
  pdf.field('Telefon och e-post', `${application.phone} · ${application.email}`);
}

/**
 * How to post: which envelope (`envelope`, first, when the document goes with another),
 * the address and the reference to write on it, any deadline (`after`), and whom to ask;
 * kept on one page.
 */
export function postingSection(pdf: TaggedPdf, reference: string, config: Config, lines: { envelope?: string; after?: string[] } = {}): void {
  pdf.keepTogether(() => {
    pdf.heading('Skicka kuvertet', 2);
    if (lines.envelope) pdf.paragraph(lines.envelope);
    pdf.paragraph(`Skicka originalen med post till ${config.authority.postalAddress}. Skriv referensnumret ${reference} på kuvertet.`);
    for (const line of lines.after ?? []) pdf.paragraph(line);
    pdf.paragraph(
      `Frågor? Kontakta ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}.`,
      {
        small: true,
      },
    );
    pdf.paragraph(`Så behandlar vi personuppgifterna i dokumenten: ${new URL('/handbok/personuppgifter', config.publicUrl).href}`, { small: true });
  });
}

/** The areas of an application that need an Ansvarsförbindelse. */
export const undertakingAreas = (areas: string[]) => areas.filter((key) => findArea(key)?.requiresUndertaking);

const areaName = (key: string) => findArea(key)?.name ?? key;

export async function applicationPdf(application: ApplicationForPdf, config: Config): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: `Ansökan om användarkonto ${application.reference}`,
    subject: `Ansökan om användarkonto för ${application.org_name}`,
    author: config.authority.name,
    createdAt: application.submitted_at,
  });
  const signatory = personName(application.signatory) ?? 'fullmaktsgivaren';
  const holder = personName(application.holder) ?? 'fullmaktshavaren';
  const samePerson = application.signatory.personnummer !== '' && application.signatory.personnummer === application.holder.personnummer;

  // The first page is the applicant's: what goes in the envelope, and where it goes.
  pdf.qr(application.reference, `QR-kod med referensnumret ${application.reference}`);
  pdf.heading('Så skickar ni in ansökan om användarkonto', 1);
  pdf.field('Referensnummer', application.reference);
  pdf.field('Organisation', application.org_name);
  pdf.paragraph('Den här sidan behåller ni. Skriv ut hela dokumentet och kryssa i rutan för varje del när den ligger i kuvertet.');
  pdf.heading('Det här ska ligga i kuvertet', 2);
  pdf.checklist([
    samePerson
      ? `Ansökan om användarkonto (från sidan 2 i det här dokumentet), underskriven av ${signatory} som fullmaktsgivare och som fullmaktshavare.`
      : `Ansökan om användarkonto (från sidan 2 i det här dokumentet), underskriven av fullmaktsgivaren ${signatory} och av fullmaktshavaren ${holder}.`,
    ...undertakingAreas(application.areas).map(
      (key) => `Ansvarsförbindelse – ${areaName(key)}, underskriven av fullmaktsgivaren ${signatory}. Den är ett eget dokument på sidan för ansökan.`,
    ),
    `Registreringsbevis eller annat bevis, högst tre månader gammalt, som visar att ${signatory} får företräda organisationen.`,
    ...(samePerson
      ? [`Kopia av en giltig id-handling för ${signatory}.`]
      : [`Kopia av en giltig id-handling för ${signatory}.`, `Kopia av en giltig id-handling för ${holder}.`]),
  ]);
  postingSection(pdf, application.reference, config, {
    after: [
      `Papperen ska ha kommit fram till oss inom ${config.rules.applicationPaperDays} dagar från den ${formatDate(application.submitted_at)}, då ni skickade in ansökan. Annars upphör ansökan att gälla.`,
    ],
  });

  pdf.newPage();
  pdf.qr(application.reference, `QR-kod med referensnumret ${application.reference}`);
  pdf.heading('Ansökan om användarkonto', 1);
  pdf.field('Referensnummer', application.reference);
  pdf.field('Inskickad', formatDate(application.submitted_at));
  pdf.paragraph(
    `Organisationen ansöker om ett användarkonto i Anordnarportalen hos ${config.authority.name}. Fullmaktshavaren får organisationens huvudkonto och administrerar organisationens användare och behörigheter.`,
  );
  organisation(pdf, application);
  pdf.heading('Organisationens roll mot myndigheten', 2);
  pdf.list(application.areas.map(areaName));
  pdf.heading('Fullmaktsgivare', 2);
  pdf.field('Namn', personName(application.signatory) ?? '');
  pdf.field('Personnummer', formatPersonnummer(application.signatory.personnummer));
  pdf.field('Befattning', application.signatory.title ?? '');
  pdf.heading('Fullmaktshavare', 2);
  pdf.field('Namn', personName(application.holder) ?? '');
  pdf.field('Personnummer', formatPersonnummer(application.holder.personnummer));
  pdf.field('E-post och telefon', `${application.holder.email ?? ''} · ${application.holder.phone ?? ''}`);
  // The power of attorney and the signatures under it stay on one page.
  pdf.keepTogether(() => {
    pdf.heading('Fullmakt', 2);
    pdf.paragraph(
      `Fullmaktsgivaren, som har rätt att företräda ${application.org_name}, ger fullmaktshavaren rätt att för organisationens räkning ha organisationens huvudkonto i Anordnarportalen, lägga till och ta bort användare och ge dem behörigheter. Fullmakten gäller tills organisationen återkallar den skriftligt.`,
    );
    pdf.heading('Underskrifter', 2);
    pdf.signatureBlock(signedBy('Fullmaktsgivare', application.signatory));
    pdf.signatureBlock(signedBy('Fullmaktshavare', application.holder));
  });
  return pdf.finish(`Ansökan om användarkonto · ${application.reference}`);
}

export async function undertakingPdf(application: UndertakingForPdf, areaKey: string, config: Config): Promise<Buffer> {
  const area = areaName(areaKey);
  const forRole = application.enclosedWith === 'roleRequest';
  const paper = forRole ? 'Ansökan om ny roll' : 'Ansökan om användarkonto';
  const signatory = personName(application.signatory);
  const pdf = new TaggedPdf({
    title: `Ansvarsförbindelse ${area} ${application.reference}`,
    subject: `Ansvarsförbindelse för ${application.org_name}`,
    author: config.authority.name,
    createdAt: application.submitted_at,
  });
  pdf.qr(application.reference, `QR-kod med referensnumret ${application.reference}`);
  pdf.heading(`Ansvarsförbindelse – ${area}`, 1);
  pdf.field('Referensnummer', application.reference);
  pdf.field('Hör till', `${paper} ${application.reference}`);
  pdf.field(forRole ? 'Skapad' : 'Inskickad', formatDate(application.submitted_at));
  organisation(pdf, application);
  // What the organisation undertakes and the signature under it stay on one page.
  pdf.keepTogether(() => {
    pdf.heading('Organisationen åtar sig att', 2);
    pdf.list([
      `lämna korrekta och fullständiga uppgifter till ${config.authority.name} i de e-tjänster som gäller ${area.toLowerCase()},`,
      'se till att bara personer som arbetar för organisationen och behöver det har användarkonton och roller,',
      'ta bort behörigheter när en person slutar eller inte längre behöver dem,',
      'se till att användarna håller sina lösenord hemliga och följer villkoren för användare,',
      'svara för det som görs i organisationens namn med organisationens användarkonton.',
    ]);
    pdf.paragraph(
      forRole
        ? `Ansvarsförbindelsen gäller från det att ${config.authority.name} har godkänt ansökan om ny roll och så länge organisationen har ett konto i Anordnarportalen.`
        : `Ansvarsförbindelsen gäller från det att ${config.authority.name} har godkänt ansökan och så länge organisationen har ett konto i Anordnarportalen.`,
    );
    pdf.heading('Underskrift', 2);
    pdf.paragraph(
      signatory
        ? 'Ansvarsförbindelsen skrivs under av fullmaktsgivaren, som har rätt att företräda organisationen.'
        : 'Ansvarsförbindelsen skrivs under av fullmaktsgivaren: den som har rätt att företräda organisationen, till exempel en firmatecknare. Skriv namnet tydligt på raden för namnförtydligande.',
      { small: true },
    );
    pdf.signatureBlock(signedBy('Fullmaktsgivare', application.signatory));
  });
  postingSection(pdf, application.reference, config, {
    envelope: `Lägg den underskrivna ansvarsförbindelsen i samma kuvert som ${paper.toLowerCase()} ${application.reference}.`,
  });
  return pdf.finish(`Ansvarsförbindelse ${area} · ${application.reference}`);
}
