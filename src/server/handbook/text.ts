import { allRoles, catalogue, findService } from '#server/organisation/catalogue.ts';
import { config } from '#server/platform/config.ts';
import { DRAFT_LIFETIME_HOURS, LINK_DAYS_AFTER_DECISION } from '#server/applications/applications.ts';

/**
 * The handbook's numbers and names come from the configuration at build time, written
 * in the Markdown as {{rules.lockoutMinutes}} or {{authority.phone}}, so the text can
 * never disagree with what the portal does.
 */
export function placeholderValues(): Record<string, string> {
  const { rules, authority, auditRetentionMonths } = config();
  const values: Record<string, string> = {
    auditRetentionMonths: String(auditRetentionMonths),
    'application.draftHours': String(DRAFT_LIFETIME_HOURS),
    'application.linkDays': String(LINK_DAYS_AFTER_DECISION),
  };
  for (const [key, value] of Object.entries(rules)) values[`rules.${key}`] = Array.isArray(value) ? value.join(', ') : String(value);
  for (const [key, value] of Object.entries(authority)) values[`authority.${key}`] = value;
  return values;
}

/** Replaces every known placeholder; an unknown one stops the build, naming it. */
export function fillPlaceholders(text: string, values = placeholderValues()): string {
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (match, key: string) => {
    if (key === ROLE_TABLE) return match;
    if (!(key in values)) throw new Error(`Unknown handbook placeholder {{${key}}}`);
    return values[key];
  });
}

export const ROLE_TABLE = 'rolltabell';

/** The role table's rows, from the catalogue: area, role, service. */
export function roleTableRows(): string[][] {
  const areas = new Map(catalogue().areas.map((area) => [area.key, area.name]));
  return allRoles().map((role) => [areas.get(role.area) ?? role.area, role.name, findService(role.service)?.name ?? role.service]);
}
export const ROLE_TABLE_HEADER = ['Område', 'Roll', 'Ger tillgång till'];
