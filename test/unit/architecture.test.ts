import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering, read from the source as text (no build, no database): pages, actions and
 * the web layer reach the database only through the domain under src/server, and the
 * domain never reaches back into the web layer.
 */
const root = join(import.meta.dirname, '..', '..');
const SOURCE = /\.(ts|mts|js|mjs|astro)$/;

function filesUnder(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The import specifiers of a file: `import … from 'x'`, `import 'x'`, `import('x')`, `export … from 'x'`. */
function importsOf(text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g);
  return [...found].map((match) => match[1]!);
}

const QUERY_BUILDER = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|with|withRecursive)\(\s*['"]/;
const SQL_TEMPLATE = /\bsql(\.\w+)?\s*`/;

/** What in one web-side file reaches the database directly, or nothing. */
export function databaseUse(text: string): string[] {
  const found: string[] = [];
  if (importsOf(text).some((name) => name === 'kysely' || name.startsWith('kysely/'))) found.push("imports 'kysely'");
  if (SQL_TEMPLATE.test(text)) found.push('uses an sql`…` template');
  const builder = QUERY_BUILDER.exec(text);
  if (builder) found.push(`calls .${builder[1]}(…)`);
  return found;
}

/** The web-side imports of one domain file, or nothing. */
export function webImports(file: string, text: string): string[] {
  return importsOf(text).filter(
    (name) =>
      /^#web\//.test(name) ||
      /(^|\/)(web|pages|actions)\//.test(name.startsWith('.') ? join(file, '..', name).replace(/\\/g, '/') : name.startsWith('src/') ? name : ''),
  );
}

const WEB_SIDE = ['src/pages', 'src/actions', 'src/components', 'src/layouts', 'src/web'];

describe('architecture', () => {
  it('keeps SQL out of pages, actions, components, layouts and the web helpers', () => {
    const offenders = WEB_SIDE.flatMap(filesUnder).flatMap((file) => databaseUse(readFileSync(join(root, file), 'utf8')).map((what) => `${file}: ${what}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the domain under src/server from importing the web layer, pages or actions', () => {
    const offenders = filesUnder('src/server').flatMap((file) =>
      webImports(file, readFileSync(join(root, file), 'utf8')).map((name) => `${file}: imports ${name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('reads the environment in one module only: the configuration (and the command-line entry points)', () => {
    // thread-pool.ts sets UV_THREADPOOL_SIZE for `npm start`, before any module that could start the pool is evaluated.
    const allowed = new Set(['src/server/platform/config.ts', 'src/cli/start.ts', 'src/cli/thread-pool.ts']);
    const offenders = ['src', 'astro.config.mjs']
      .flatMap((path) => (SOURCE.test(path) ? [path] : filesUnder(path)))
      .filter((file) => !allowed.has(file) && /\bprocess\.env\b/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('opens no pool of its own outside the composition root and the command-line tools', () => {
    const offenders = ['src/pages', 'src/actions', 'src/web', 'src/server']
      .flatMap(filesUnder)
      .filter((file) => !['src/server/runtime/portal.ts', 'src/server/platform/database.ts'].includes(file))
      .filter((file) => /\bcreateDb\(|new pg\.Pool\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('notices each way a file can reach the database', () => {
    expect(databaseUse("import { sql } from 'kysely';")).toEqual(["imports 'kysely'"]);
    expect(databaseUse('const rows = await sql`select 1`.execute(db());')).toEqual(['uses an sql`…` template']);
    expect(databaseUse("await db().selectFrom('unit').selectAll().execute();")).toEqual(['calls .selectFrom(…)']);
    expect(databaseUse('const units = await getUnit(db(), id);')).toEqual([]);
  });

  it('notices a domain file that imports the web layer by alias or by relative path', () => {
    expect(webImports('src/server/organisation/policy.ts', "import { t } from '#web/i18n.ts';")).toEqual(['#web/i18n.ts']);
    expect(webImports('src/server/organisation/policy.ts', "import { x } from '../../actions/organisation.ts';")).toEqual(['../../actions/organisation.ts']);
    expect(webImports('src/server/organisation/policy.ts', "import { db } from '#server/platform/database.ts';")).toEqual([]);
  });
});
