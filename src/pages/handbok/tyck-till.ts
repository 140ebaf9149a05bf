import type { APIRoute } from 'astro';
import { getCollection } from 'astro:content';
import { recordFeedback } from '#server/handbook/feedback.ts';
import { loginContext } from '#web/request-context.ts';
import { t } from '#web/i18n.ts';

export const prerender = false;

const page = (status: number, title: string, text: string, back?: string) =>
  new Response(
    `<!doctype html><html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} – Anordnarportalen</title></head><body><main><h1>${title}</h1><p>${text}</p>${back ? `<p><a href="/handbok/${back}">${t('handbook.feedback.back')}</a></p>` : ''}</main></body></html>`,
    { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } },
  );

/** Receives "Hjälpte den här sidan dig?" from the island or from the plain form. */
export const POST: APIRoute = async ({ locals, request, clientAddress, redirect }) => {
  const form = await request.formData().catch(() => undefined);
  const input = { page: String(form?.get('page') ?? ''), helpful: String(form?.get('helpful') ?? ''), comment: String(form?.get('comment') ?? '') };
  const known = new Set((await getCollection('handbok')).map((entry) => entry.id));
  const result = await recordFeedback(locals.app.db, input, loginContext(locals, clientAddress).address, known, locals.app.clock);
  if (result.kind === 'invalid') return page(400, t('handbook.feedback.title'), t('handbook.feedback.invalid'), known.has(input.page) ? input.page : undefined);
  if (result.kind === 'limited') {
    const response = page(429, t('handbook.feedback.title'), t('handbook.feedback.limited', { minutes: Math.ceil(result.retryAfterSeconds / 60) }), input.page);
    response.headers.set('Retry-After', String(result.retryAfterSeconds));
    return response;
  }
  return redirect(`/handbok/tack?sida=${encodeURIComponent(input.page)}`, 303);
};
