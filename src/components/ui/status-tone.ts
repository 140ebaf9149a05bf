/** Which Tag tone each status shows in, so a status has the same colour on every page. */
type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'error';

const APPLICATION: Record<string, Tone> = {
  inskickad: 'info',
  underlag_mottaget: 'warning',
  komplettering: 'warning',
  godkand: 'success',
  avslagen: 'error',
  forfallen: 'neutral',
};

/** An application's or role request's status. */
export const applicationTone = (status: string): Tone => APPLICATION[status] ?? 'neutral';

/** A user account's status: active or inactivated. */
export const userTone = (status: string): Tone => (status === 'active' ? 'success' : 'neutral');
