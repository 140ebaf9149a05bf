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
 * An organisation number as printed, NNNNNN-NNNN. Stored numbers are the ten digits the
 * `organisationsnummer` package validated on the way in, so they are only grouped here
 * (the package's parse builds an exception with a stack trace for every number it
 * refuses, which the register's lists cannot afford); anything else goes through it.
 */
export function formatOrgNumber(value: string): string {
  if (/^\d{10}$/.test(value)) return `${value.slice(0, 6)}-${value.slice(6)}`;
  return Organisationsnummer.valid(value) ? Organisationsnummer.parse(value).format(true) : value;
}
