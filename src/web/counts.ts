import { t } from '#web/i18n.ts';

/** "1 roll", "3 roller"; "1 användare", "3 användare": counts as the organisation pages say them. */
export const countRoles = (count: number) => (count === 1 ? t('org.count.roles.one') : t('org.count.roles.many', { count }));
export const countUsers = (count: number) => (count === 1 ? t('org.count.users.one') : t('org.count.users.many', { count }));
