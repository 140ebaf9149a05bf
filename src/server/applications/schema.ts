import Organisationsnummer from 'organisationsnummer';
import Personnummer from 'personnummer';
import { z } from 'zod';
import { catalogue } from '#server/organisation/catalogue.ts';
import { nameField, optionalNameField } from '#server/platform/name-schema.ts';

/**
 * Ansökan om användarkonto as data: what each field accepts, normalised (trimmed,
 * identifiers in their official format), with Swedish messages as sv.json keys.
 * Used by the action and again at submission, so the stored answers are always valid.
 */
const text = (max: number, required: string) => z.string({ error: required }).trim().min(1, required).max(max, 'error.tooLong');

const orgNumber = z
  .string({ error: 'error.orgNumber' })
  .trim()
  .refine((value) => /^(16)?\d{6}-?\d{4}$/.test(value) && Organisationsnummer.valid(value), 'error.orgNumber')
  .transform((value) => Organisationsnummer.parse(value).format(false));

const personalNumber = (required: string) =>
  z
    .string({ error: required })
    .trim()
    .min(1, required)
    .refine((value) => value.length <= 13 && Personnummer.valid(value), 'error.personnummer')
    .transform((value) => Personnummer.parse(value).format(true));

const postalCode = z
  .string({ error: 'error.postalCode' })
  .trim()
  .regex(/^\d{3} ?\d{2}$/, 'error.postalCode')
  .transform((value) => value.replace(/\s/g, ''));
const phone = (required: string) =>
  z
    .string({ error: required })
    .trim()
    .min(1, required)
    .max(30, 'error.phone')
    .regex(/^\+?[\d\s-]{6,25}$/, 'error.phone');
const email = (required: string) => z.string({ error: required }).trim().min(1, required).max(200, 'error.email').pipe(z.email('error.email'));

export const applicationSchema = z
  .object({
    orgNumber,
    orgName: nameField(200, 'error.orgName.required'),
    postalAddress: text(200, 'error.postalAddress.required'),
    postalCode,
    city: text(100, 'error.city.required'),
    phone: phone('error.phone.required'),
    email: email('error.email.required'),
    areas: z.array(z.string()).min(1, 'error.areas.required').max(20, 'error.areas.required'),
    signatoryFirstName: nameField(100, 'error.firstName.required'),
    signatoryLastName: nameField(100, 'error.lastName.required'),
    signatoryPersonnummer: personalNumber('error.personnummer.required'),
    signatoryTitle: nameField(100, 'error.title.required'),
    holderIsSignatory: z.enum(['ja']).optional(),
    holderFirstName: optionalNameField(100),
    holderLastName: optionalNameField(100),
    holderPersonnummer: z.string().trim().max(20, 'error.personnummer').optional(),
    holderEmail: email('error.holderEmail.required'),
    holderPhone: phone('error.holderPhone.required'),
  })
  .superRefine((value, ctx) => {
    const known = new Set(catalogue().areas.map((area) => area.key));
    if (value.areas.some((area) => !known.has(area))) ctx.addIssue({ code: 'custom', path: ['areas'], message: 'error.areas.required' });
    if (value.holderIsSignatory) return;
    if (!value.holderFirstName) ctx.addIssue({ code: 'custom', path: ['holderFirstName'], message: 'error.firstName.required' });
    if (!value.holderLastName) ctx.addIssue({ code: 'custom', path: ['holderLastName'], message: 'error.lastName.required' });
    if (!value.holderPersonnummer) ctx.addIssue({ code: 'custom', path: ['holderPersonnummer'], message: 'error.personnummer.required' });
    else if (!Personnummer.valid(value.holderPersonnummer)) ctx.addIssue({ code: 'custom', path: ['holderPersonnummer'], message: 'error.personnummer' });
  })
  .transform((value) => ({
    ...value,
    areas: [...new Set(value.areas)].sort(),
    holderFirstName: value.holderIsSignatory ? value.signatoryFirstName : value.holderFirstName!,
    holderLastName: value.holderIsSignatory ? value.signatoryLastName : value.holderLastName!,
    holderPersonnummer: value.holderIsSignatory ? value.signatoryPersonnummer : Personnummer.parse(value.holderPersonnummer!).format(true),
  }));

export type ApplicationData = z.output<typeof applicationSchema>;

/** The form's fields in the order the error summary lists them. */
export const FIELD_ORDER = [
  'orgNumber',
  'orgName',
  'postalAddress',
  'postalCode',
  'city',
  'phone',
  'email',
  'areas',
  'signatoryFirstName',
  'signatoryLastName',
  'signatoryPersonnummer',
  'signatoryTitle',
  'holderFirstName',
  'holderLastName',
  'holderPersonnummer',
  'holderEmail',
  'holderPhone',
];
