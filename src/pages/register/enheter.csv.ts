import type { APIRoute } from 'astro';
import { formatOrgNumber } from '#server/platform/format.ts';
import { findPublication, latestCacheHeaders, registerUnits } from '#server/register/publication.ts';

export const prerender = false;

const cell = (value: string | boolean) => {
  const text = String(value);
  // Quoted, and a leading formula character neutralised, so a spreadsheet never runs a cell.
  return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
};

/** The whole latest publication's units as CSV (semicolon-separated, as Swedish spreadsheets expect). */
export const GET: APIRoute = async ({ locals }) => {
  const publication = await findPublication(locals.app.db);
  if (!publication) return new Response('Registret har inte publicerats ännu.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const { rows } = await registerUnits(locals.app.db, publication.id, { page: 1, perPage: 1_000_000 });
  const lines = [
    ['organisationsnummer', 'organisation', 'enhet', 'huvudorganisation', 'utdelningsadress', 'postnummer', 'ort', 'enhetskod'].map(cell).join(';'),
    ...rows.map((row) =>
      [
        formatOrgNumber(row.org_number),
        row.organisation_name,
        row.name,
        row.is_main ? 'ja' : 'nej',
        row.postal_address,
        row.postal_code,
        row.city,
        row.unit_code ?? '',
      ]
        .map(cell)
        .join(';'),
    ),
  ];
  const response = new Response(`\uFEFF${lines.join('\r\n')}\r\n`, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="register-${publication.published_on}.csv"`,
      ...latestCacheHeaders(publication, locals.app.clock.now()),
      'Last-Modified': publication.published_at.toUTCString(),
    },
  });
  return response;
};
