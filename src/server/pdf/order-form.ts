import type { Catalogue } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

/**
 * "Beställning av behörighet": the blank form an organisation the authority administers
 * fills in by hand, signs and posts, ordering users, roles and changes. Made from the
 * catalogue, so another authority's catalogue gives its own roles; deterministic (the
 * catalogue's data and `createdAt` fix the bytes).
 */
export const ORDER_FORM_PERSONS = 4;
/** The form's date: a blank form changes only with the catalogue, and the same catalogue gives the same bytes. */
export const ORDER_FORM_DATE = new Date('2026-11-25T00:00:00Z');
const UNIT_ADMIN = 'Administratör enhet';
/** What a person's order is about: a row each in the table, a box per person. */
const ORDER_KINDS = ['Ny användare', 'Ändrade roller', 'Ny e-postadress', 'Inaktivera användaren', 'Aktivera användaren igen'];
const PERSON_FIELDS = [
  'Förnamn och efternamn',
  'E-postadress (hit skickas engångslösenordet)',
  'Telefon',
  'Användarnamn, om personen redan har ett',
  'Enhet eller enhetskod där rollerna ska gälla',
];
const ORGANISATION_FIELDS = ['Organisationens namn', 'Organisationsnummer', 'Kontaktperson för beställningen', 'Telefon', 'E-postadress'];

const GREY = '#555555';
const BOX = 9;

/** Lines to write on, each with its caption above: the captions are text, the lines artifacts. */
function blankFields(pdf: TaggedPdf, labels: string[]): void {
  pdf.structure((doc, parent) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    for (const label of labels) {
      if (doc.y + 34 > doc.page.height - doc.page.margins.bottom) doc.addPage();
      parent.add(doc.struct('P', {}, () => doc.font('Regular').fontSize(8.5).fillColor(GREY).text(label, left, doc.y, { width })));
      const y = doc.y + 16;
      doc.markContent('Artifact', { type: 'Layout' });
      doc
        .moveTo(left, y)
        .lineTo(left + width, y)
        .lineWidth(0.7)
        .strokeColor('#000000')
        .stroke();
      doc.endMarkedContent();
      doc.y = y + 8;
    }
    doc.fillColor('#000000');
  });
}

interface TableGroup {
  heading: string;
  rows: string[];
}

/**
 * A table with a row for each role (grouped by area) and a column for each person, each
 * cell an empty square to tick by hand: tagged as a table with header cells, the squares
 * artifacts. A header row is repeated on each page the table runs onto.
 */
function tickTable(pdf: TaggedPdf, caption: string, columns: string[], groups: TableGroup[]): void {
  pdf.structure((doc, parent) => {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    const columnWidth = 62;
    const first = width - columnWidth * columns.length;
    const bottom = () => doc.page.height - doc.page.margins.bottom;
    const table = doc.struct('Table');
    parent.add(table);
    const rule = (y: number) => {
      doc.markContent('Artifact', { type: 'Layout' });
      doc
        .moveTo(left, y)
        .lineTo(left + width, y)
        .lineWidth(0.5)
        .strokeColor(GREY)
        .stroke();
      doc.endMarkedContent();
    };
    const header = () => {
      const top = doc.y;
      const row = doc.struct('TR');
      table.add(row);
      row.add(
        doc.struct('TH', {}, () =>
          doc
            .font('Bold')
            .fontSize(9)
            .fillColor('#000000')
            .text(caption, left, top, { width: first - 6 }),
        ),
      );
      columns.forEach((column, index) => {
        row.add(
          doc.struct('TH', {}, () =>
            doc
              .font('Bold')
              .fontSize(9)
              .text(column, left + first + index * columnWidth, top, { width: columnWidth, align: 'center' }),
          ),
        );
      });
      row.end();
      doc.y = top + doc.font('Bold').fontSize(9).currentLineHeight(true) + 4;
      rule(doc.y);
      doc.y += 4;
    };
    if (doc.y + 80 > bottom()) doc.addPage();
    header();
    for (const group of groups) {
      // A group's heading stays with its first row.
      if (doc.y + 40 > bottom()) {
        doc.addPage();
        header();
      }
      const top = doc.y;
      const groupRow = doc.struct('TR');
      table.add(groupRow);
      groupRow.add(doc.struct('TH', {}, () => doc.font('Bold').fontSize(10).fillColor('#000000').text(group.heading, left, top, { width })));
      groupRow.end();
      doc.y = top + doc.font('Bold').fontSize(10).currentLineHeight(true) + 3;
      for (const label of group.rows) {
        const height =
          Math.max(
            doc
              .font('Regular')
              .fontSize(10)
              .heightOfString(label, { width: first - 6 }),
            BOX,
          ) + 8;
        if (doc.y + height > bottom()) {
          doc.addPage();
          header();
        }
        const y = doc.y;
        const row = doc.struct('TR');
        table.add(row);
        row.add(
          doc.struct('TH', {}, () =>
            doc
              .font('Regular')
              .fontSize(10)
              .fillColor('#000000')
              .text(label, left, y, { width: first - 6 }),
          ),
        );
        columns.forEach((_column, index) => {
          // An empty cell to tick; its square is drawn as an artifact.
          row.add(doc.struct('TD', {}, []));
          const x = left + first + index * columnWidth + (columnWidth - BOX) / 2;
          doc.markContent('Artifact', { type: 'Layout' });
          doc
            .rect(x, y + 1, BOX, BOX)
            .lineWidth(0.8)
            .strokeColor('#000000')
            .stroke();
          doc.endMarkedContent();
        });
        row.end();
        doc.y = y + height;
        rule(doc.y - 3);
      }
      doc.y += 4;
    }
    table.end();
    doc.y += 8;
  });
}

/** The blank order form, from the catalogue's areas and roles. */
export async function orderFormPdf(catalogue: Catalogue, config: Config, createdAt: Date): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: 'Beställning av behörighet',
    subject: 'Blankett för att beställa användare och roller i Anordnarportalen',
    author: config.authority.name,
    createdAt,
  });
  const persons = Array.from({ length: ORDER_FORM_PERSONS }, (_, index) => `Person ${index + 1}`);
  pdf.heading('Beställning av behörighet', 1);
  pdf.paragraph(
    `Med den här blanketten beställer organisationen användare och roller i Anordnarportalen när ${config.authority.name} administrerar organisationens användare. Fyll i blanketten för hand, en rad eller ruta för varje person, och skriv under.`,
  );
  pdf.paragraph(
    'Varje ny användare får ett brev med sitt användarnamn. Några dagar efter brevet kommer ett engångslösenord till den e-postadress som står på blanketten.',
  );
  pdf.heading('Organisation', 2);
  blankFields(pdf, ORGANISATION_FIELDS);
  for (const person of persons) {
    pdf.keepTogether(() => pdf.heading(person, 2));
    blankFields(pdf, PERSON_FIELDS);
  }
  pdf.newPage();
  pdf.heading('Vad beställningen gäller', 2);
  pdf.paragraph(
    'Kryssa i rutan under varje person för det som ska göras och för varje roll personen ska ha. En roll som inte kryssas i tas bort vid ändrade roller.',
  );
  tickTable(pdf, 'Ändring', persons, [{ heading: 'Beställningen gäller', rows: ORDER_KINDS }]);
  tickTable(pdf, 'Roll', persons, [
    ...catalogue.areas.map((area) => ({ heading: area.name, rows: area.roles.map((role) => role.name) })),
    { heading: 'Administration', rows: [UNIT_ADMIN] },
  ]);
  pdf.keepTogether(() => {
    pdf.heading('Underskrift', 2);
    pdf.paragraph(
      'Beställningen skrivs under av organisationens fullmaktshavare eller av någon som har rätt att företräda organisationen, till exempel en firmatecknare.',
      { small: true },
    );
    pdf.signatureBlock('Fullmaktshavare eller firmatecknare');
  });
  pdf.keepTogether(() => {
    pdf.heading('Skicka blanketten', 2);
    pdf.paragraph(`Skicka den underskrivna blanketten med post till ${config.authority.postalAddress}.`);
    pdf.paragraph(
      `Frågor? Kontakta ${config.authority.name} på ${config.authority.phone} (${config.authority.openingHours}) eller ${config.authority.email}.`,
      { small: true },
    );
  });
  return pdf.finish('Beställning av behörighet');
}
