import type { LoginDetailsState } from '#server/identity/letters.ts';
import { formatDate } from '#server/platform/format.ts';
import { t } from '#web/i18n.ts';

/** What a user page says about where a new user's login details are; nothing once they have a password. */
export function loginDetailsText(state: LoginDetailsState, delayDays: number): string | undefined {
  switch (state.kind) {
    case 'hasPassword':
      return undefined;
    case 'noRole':
      return t('loginDetails.noRole');
    case 'letterWaiting':
      return t('loginDetails.letterWaiting', { days: delayDays });
    case 'oneTimePasswordDue':
      return t('loginDetails.oneTimePasswordDue', { date: formatDate(state.at) });
    case 'oneTimePasswordSent':
      return t('loginDetails.oneTimePasswordSent', { date: formatDate(state.at) });
  }
}
