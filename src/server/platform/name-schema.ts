import { z } from 'zod';

/**
 * Control and format characters (bidi overrides such as U+202E, zero-width spaces such
 * as U+200B) make a name read differently from what it is, in the portal, in mail and
 * in PDFs. Every name a person types goes through these fields: refused when it holds
 * one, stored NFC-normalised so that "e" + combining acute and "é" are the same name.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

const clean = (schema: z.ZodString) => schema.refine((value) => !INVISIBLE.test(value), 'error.name.invisible').transform((value) => value.normalize('NFC'));

/** A required name (a person's, an organisation's or a unit's); messages are sv.json keys. */
export const nameField = (max: number, required = 'error.required') => clean(z.string({ error: required }).trim().min(1, required).max(max, 'error.tooLong'));

/** A name that may be left empty. */
export const optionalNameField = (max: number) => clean(z.string().trim().max(max, 'error.tooLong')).optional();
