import Organisationsnummer from 'organisationsnummer';

/** Dates and times as a Swedish reader expects them, in Swedish time whatever the server's zone. */
const TIME_ZONE = 'Europe/Stockholm';

const dateTime = new Intl.DateTimeFormat('sv-SE', { timeZone: TIME_ZONE, dateStyle: 'long', timeStyle: 'short' });
const date = new Intl.DateTimeFormat('sv-SE', { timeZone: TIME_ZONE, dateStyle: 'long' });
const time = new Intl.DateTimeFormat('sv-SE', { timeZone: TIME_ZONE, timeStyle: 'short' });

export const formatDateTime = (value: Date) => dateTime.format(value);
export const formatDate = (value: Date) => date.format(value);
export const formatTime = (value: Date) => time.format(value);

/** "3 minuter", "1 minut": a duration rounded up to whole minutes. */
export function formatMinutes(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? '1 minut' : `${minutes} minuter`;
}

/**
 * An organisation number as printed, NNNNNN-NNNN, by the `organisationsnummer` package.
 * Numbers are validated when they come in; rows that predate that check (or test data
 * with a wrong check digit) keep the plain grouping instead of failing the page.
 */
export function formatOrgNumber(value: string): string {
  if (Organisationsnummer.valid(value)) return Organisationsnummer.parse(value).format(true);
  return value.replace(/^(\d{6})(\d{4})$/, '$1-$2');
}
