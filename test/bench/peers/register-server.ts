/**
 * The peer for the open API: the register's page query and count, the same SQL the
 * portal's Kysely builder sends, answered by a minimal node:http + pg handler with the
 * same JSON fields. No validation, caching or limits: the floor a framework adds to.
 */
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const port = Number(process.env.PORT);

const formatOrgNumber = (value: string) => `${value.slice(0, 6)}-${value.slice(6)}`;
const pattern = (text: string) =>
  `%${text
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const LATEST = "select id, to_char(published_on, 'YYYY-MM-DD') as published_on, published_at from register_publication order by published_on desc limit 1";
let latest: { at: number; row: { id: number; published_on: string; published_at: Date } } | undefined;

createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://peer');
    // The latest publication looked up again every few seconds, as the portal does.
    if (!latest || Date.now() - latest.at > 5000) latest = { at: Date.now(), row: (await pool.query(LATEST)).rows[0] };
    const publication = latest.row;
    const page = Number(url.searchParams.get('sida') ?? 1);
    const perPage = Number(url.searchParams.get('per_sida') ?? 100);
    const q = url.searchParams.get('q');
    const where = q ? `ru.publication_id = $1 and (lower(ru.name) like $2 or lower(ro.name) like $2 or ru.unit_code = $3)` : 'ru.publication_id = $1';
    const args = q ? [publication.id, pattern(q), q.trim().toUpperCase()] : [publication.id];
    const from = 'from register_unit ru join register_organisation ro on ro.publication_id = ru.publication_id and ro.org_number = ru.org_number';
    const [rows, count] = await Promise.all([
      pool.query(
        `select ru.unit_id, ru.name, ru.is_main, ru.postal_address, ru.postal_code, ru.city, ru.unit_code, ru.org_number, ro.name as organisation_name
         ${from} where ${where} order by ro.name, ru.is_main desc, ru.name, ru.unit_id limit ${perPage} offset ${(page - 1) * perPage}`,
        args,
      ),
      pool.query(`select count(*) as n ${from} where ${where}`, args),
    ]);
    const body = JSON.stringify({
      publicering: { datum: publication.published_on, publicerad: publication.published_at.toISOString() },
      sida: page,
      per_sida: perPage,
      totalt: Number(count.rows[0].n),
      enheter: rows.rows.map((row) => ({
        id: row.unit_id,
        enhetskod: row.unit_code,
        namn: row.name,
        huvudorganisation: row.is_main,
        utdelningsadress: row.postal_address,
        postnummer: row.postal_code,
        ort: row.city,
        organisation: { organisationsnummer: formatOrgNumber(row.org_number), namn: row.organisation_name },
      })),
    });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body);
  } catch (error) {
    res.writeHead(500);
    res.end(String(error));
  }
}).listen(port, '127.0.0.1', () => console.log(`register peer listening on ${port}`));
