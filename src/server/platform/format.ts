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

/**
 * A Swedish postal code as printed and shown, NNN NN ("903 25"). Stored codes are five
 * digits; one written with its space, or with spaces anywhere, comes out the same way.
 * Anything else (a foreign code) is shown as it was written.
 */
export function formatPostalCode(value: string): string {
  const digits = value.replace(/\s/g, '');
  return /^\d{5}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3)}` : value.trim();
}

/**
 * A personnummer as printed and shown, YYYYMMDD-NNNN ("19900101-0017"). Stored numbers
 * are the twelve digits the form normalised them to; a ten-digit one (YYMMDD-NNNN) keeps
 * its ten digits, because the century cannot be told from it here. Anything else is
 * shown as it was written.
 */
export function formatPersonnummer(value: string): string {
  const digits = value.replace(/[\s-]/g, '');
  if (/^\d{12}$/.test(digits)) return `${digits.slice(0, 8)}-${digits.slice(8)}`;
  if (/^\d{10}$/.test(digits)) return `${digits.slice(0, 6)}-${digits.slice(6)}`;
  return value.trim();
}
