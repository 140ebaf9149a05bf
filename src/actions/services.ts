import { defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';
import { addContact, setResponsible } from '#server/organisation/contacts.ts';
import { savePreferences } from '#server/organisation/services.ts';

/** Anpassa in Mina tjänster: spread into `account`, so the access rules let every signed-in user reach it. */
export const customise = {
  customise: defineAction({
    accept: 'form',
    // The optional e-mails are checkboxes: the ticked ones are sent, the others are off.
    input: z.object({ unit: z.coerce.number().int().positive().optional(), mail: z.array(z.enum(['passwordReminders', 'news'])).max(2) }),
    handler: async (input, context) => {
      const user = userOf(context.locals);
      const saved = await savePreferences(context.locals.app.db, user.id, input.unit, {
        passwordReminders: input.mail.includes('passwordReminders'),
        news: input.mail.includes('news'),
      });
      if (!saved) throw refuse(context.locals, 'FORBIDDEN', 'error.unit.required', { field: 'unit' });
      return { redirect: '/mina-tjanster?sparat=1' };
    },
  }),
};

const staffActor = (context: { locals: App.Locals; clientAddress: string }) => ({
  userId: userOf(context.locals).id,
  client: loginContext(context.locals, context.clientAddress).client,
});

/** The authority's contact persons: spread into `office`, so only staff reach them. */
export const contacts = {
  addContact: defineAction({
    accept: 'form',
    input: z.object({
      staff: z.coerce.number({ error: 'error.contacts.staff' }).int().positive('error.contacts.staff'),
      phone: z.string().trim().min(1, 'error.contacts.phone').max(40),
    }),
    handler: async (input, context) => {
      if (!(await addContact(context.locals.app.db, input.staff, input.phone, staffActor(context), context.locals.app.clock)))
        throw refuse(context.locals, 'CONFLICT', 'error.contacts.staff', { field: 'staff' });
      return { redirect: '/handlaggning/kontaktpersoner?klart=tillagd' };
    },
  }),

  setResponsible: defineAction({
    accept: 'form',
    input: z.object({
      organisation: z.coerce.number().int().positive(),
      orgNumber: z.string().max(20),
      contact: z.array(z.coerce.number().int().positive()).max(200),
      // Posted from the organisation's own page in the back office: back there afterwards.
      from: z.literal('organisation').optional(),
    }),
    handler: async (input, context) => {
      if (!(await setResponsible(context.locals.app.db, input.organisation, input.contact, staffActor(context), context.locals.app.clock)))
        throw refuse(context.locals, 'NOT_FOUND', 'error.contacts.organisation');
      if (input.from === 'organisation') return { redirect: `/handlaggning/organisationer/${input.organisation}?klart=kontaktpersoner` };
      return { redirect: `/handlaggning/kontaktpersoner?org=${encodeURIComponent(input.orgNumber)}&klart=ansvariga` };
    },
  }),
};
