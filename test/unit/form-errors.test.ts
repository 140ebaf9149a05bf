import { z } from 'astro/zod';
import { describe, expect, it } from 'vitest';
import { toFieldErrors } from '#web/form-errors.ts';

describe('form errors', () => {
  const schema = z.object({ name: z.string().trim().min(1, 'error.required').max(5, 'error.tooLong'), city: z.string().max(3, 'error.tooLong') });

  it('names the limit a field broke from the issue, not from the message', () => {
    const result = schema.safeParse({ name: 'Enheten', city: 'Umeå stad' });
    expect(result.success).toBe(false);
    expect(toFieldErrors(result.error!.issues, ['city', 'name'])).toEqual([
      { field: 'city', message: 'Uppgiften får vara högst 3 tecken' },
      { field: 'name', message: 'Uppgiften får vara högst 5 tecken' },
    ]);
  });

  it('shows the first problem per field and falls back to a general text for an unknown key', () => {
    const issues = [
      { path: ['name'], message: 'error.required' },
      { path: ['name'], message: 'error.tooLong', maximum: 5 },
      { path: ['city'], message: 'no.such.key' },
    ];
    expect(toFieldErrors(issues).map((error) => error.field)).toEqual(['name', 'city']);
    expect(toFieldErrors(issues)[1]!.message).toBe(toFieldErrors([{ path: ['x'], message: 'error.invalid' }])[0]!.message);
  });
});
