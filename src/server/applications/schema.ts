import Organisationsnummer from 'organisationsnummer';
import Personnummer from 'personnummer';
import { z } from 'zod';
import { catalogue } from '#server/organisation/catalogue.ts';
import { nameField } from '#server/platform/name-schema.ts';

/**
 * Ansökan om användarkonto as data: what each field accepts, normalised (trimmed,
 * identifiers in their official format), with Swedish messages as sv.json keys.
 * Used by the action and again at submission, so the stored answers are always valid.
 */
const text = (max: number, required: string) => z.string({ error: required }).trim().min(1, required).max(max, 'error.tooLong');

/** The last of ten digits is a check digit over the nine before it (the Luhn algorithm). */
function luhnValid(digits: string): boolean {
  const sum = [...digits].reduce((acc, digit, i) => {
    const doubled = Number(digit) * (i % 2 === 0 ? 2 : 1);
    return acc + (doubled > 9 ? doubled - 9 : doubled);
  }, 0);
  return sum % 10 === 0;
}

/**
 * Three different mistakes, three different messages: a blank field, the wrong number of
 * digits, and ten digits that do not add up (a typo in one digit, the common case).
 */
export const orgNumberSchema = z
  .string({ error: 'error.orgNumber.required' })
  .trim()
  .superRefine((value, ctx) => {
    if (!value) ctx.addIssue({ code: 'custom', message: 'error.orgNumber.required' });
    else if (!/^(16)?\d{6}-?\d{4}$/.test(value)) ctx.addIssue({ code: 'custom', message: 'error.orgNumber' });
    else if (!luhnValid(value.replace(/\D/g, '').slice(-10))) ctx.addIssue({ code: 'custom', message: 'error.orgNumber.checkDigit' });
    else if (!Organisationsnummer.valid(value)) ctx.addIssue({ code: 'custom', message: 'error.orgNumber.invalid' });
  })
  .transform((value) => Organisationsnummer.parse(value).format(false));

/** The two people of an application; each message names whose field it is. */
type Whose = 'signatory' | 'holder';

const personalNumber = (whose: Whose) =>
  z
    .string({ error: `error.${whose}Personnummer.required` })
    .trim()
    .min(1, `error.${whose}Personnummer.required`)
    .refine((value) => value.length <= 13 && Personnummer.valid(value), `error.${whose}Personnummer`)
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

/** The holder's name and personnummer: required unless the box says the holder is the signatory. */
const holderIdentity = {
  holderFirstName: nameField(100, 'error.holderFirstName.required'),
  holderLastName: nameField(100, 'error.holderLastName.required'),
  holderPersonnummer: personalNumber('holder'),
};
type HolderField = keyof typeof holderIdentity;
const HOLDER_FIELDS = Object.keys(holderIdentity) as HolderField[];

export const applicationSchema = z
  .object({
    orgNumber: orgNumberSchema,
    orgName: nameField(200, 'error.orgName.required'),
    postalAddress: text(200, 'error.postalAddress.required'),
    postalCode,
    city: text(100, 'error.city.required'),
    phone: phone('error.phone.required'),
    email: email('error.email.required'),
    areas: z.array(z.string().max(20)).min(1, 'error.areas.required').max(20, 'error.areas.required'),
    signatoryFirstName: nameField(100, 'error.signatoryFirstName.required'),
    signatoryLastName: nameField(100, 'error.signatoryLastName.required'),
    signatoryPersonnummer: personalNumber('signatory'),
    signatoryTitle: nameField(100, 'error.signatoryTitle.required'),
    holderIsSignatory: z.enum(['ja']).optional(),
    // Taken as typed here and checked below: when the box is ticked they are ignored,
    // whatever they hold (the request body limit bounds their size).
    holderFirstName: z.string().optional(),
    holderLastName: z.string().optional(),
    holderPersonnummer: z.string().optional(),
    holderEmail: email('error.holderEmail.required'),
    holderPhone: phone('error.holderPhone.required'),
  })
  // `when`: these checks run even when other fields failed, so a blank form shows every
  // error at once, the holder's included, instead of in a second wave.
  .superRefine(
    (value, ctx) => {
      const known = new Set(catalogue().areas.map((area) => area.key));
      if (Array.isArray(value.areas) && value.areas.some((area) => !known.has(area)))
        ctx.addIssue({ code: 'custom', path: ['areas'], message: 'error.areas.required' });
      if (value.holderIsSignatory === 'ja') return;
      for (const field of HOLDER_FIELDS) {
        const result = holderIdentity[field].safeParse(value[field] ?? '');
        // The whole issue, so that a length limit keeps its number for the message.
        if (!result.success) ctx.addIssue({ ...result.error.issues[0], path: [field] });
      }
    },
    // Still only on an object: a missing draft (undefined) has no fields to look at.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .transform((value) => {
    const holder = (field: HolderField) => holderIdentity[field].parse(value[field]);
    return {
      ...value,
      areas: [...new Set(value.areas)].sort(),
      holderFirstName: value.holderIsSignatory ? value.signatoryFirstName : holder('holderFirstName'),
      holderLastName: value.holderIsSignatory ? value.signatoryLastName : holder('holderLastName'),
      holderPersonnummer: value.holderIsSignatory ? value.signatoryPersonnummer : holder('holderPersonnummer'),
    };
  });

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
