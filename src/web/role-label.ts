import { catalogue, findRole } from '#server/organisation/catalogue.ts';
import { UNIT_ADMIN_ROLE } from '#server/organisation/policy.ts';
import { t } from '#web/i18n.ts';

/**
 * The name a person reads for a role key: service roles are named by the catalogue (data),
 * administratör enhet is the portal's own role and is named in sv.json.
 */
export function roleLabel(key: string): string {
  return key === UNIT_ADMIN_ROLE ? t('org.grid.unitAdmin') : (findRole(key, catalogue())?.name ?? key);
}

/** The role grid's columns, named. */
export const roleColumns = (keys: string[]) => keys.map((key) => ({ key, name: roleLabel(key) }));
