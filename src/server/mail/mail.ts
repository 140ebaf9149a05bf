import { createTransport, type Transporter } from 'nodemailer';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';

/** One message's content; the plain-text and the HTML body are both made from it. */
export interface MailContent {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** Renders a message as plain text and as simple, accessible HTML, with the authority's signature. */
export function renderMail(content: MailContent, authority: Config['authority']): RenderedMail {
  const signature = [`Med vänliga hälsningar`, authority.name, `${authority.email} · ${authority.phone}`];
  const text = [
    content.greeting,
    ...content.paragraphs,
    ...(content.action ? [`${content.action.label}:\n${content.action.url}`] : []),
    signature.join('\n'),
    'Det här e-postmeddelandet går inte att svara på.',
  ].join('\n\n');
  const paragraph = (value: string) => `<p>${escapeHtml(value)}</p>`;
  const html = [
    '<!doctype html>',
    `<html lang="sv"><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head>`,
    '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #1b1b1b;">',
    // Who writes, first: mail programs show no site header, so the message names the authority itself.
    `<p style="margin: 0 0 24px; padding-bottom: 8px; border-bottom: 2px solid #1b1b1b;"><strong>${escapeHtml(authority.name)}</strong><br>Anordnarportalen</p>`,
    paragraph(content.greeting),
    ...content.paragraphs.map(paragraph),
    content.action ? `<p><a href="${escapeHtml(content.action.url)}">${escapeHtml(content.action.label)}</a></p>` : '',
    `<p>${signature.map(escapeHtml).join('<br>')}</p>`,
    paragraph('Det här e-postmeddelandet går inte att svara på.'),
    '</body></html>',
  ].join('\n');
  return { subject: content.subject, text, html };
}

/**
 * Queues a message in `mail_outbox`. Pass the transaction of the change that causes
 * the mail, so the mail exists exactly when the change does.
 */
export async function enqueueMail(trx: Db | Tx, to: string, mail: RenderedMail, sendAfter?: Date): Promise<number> {
  const row = await trx
    .insertInto('mail_outbox')
    .values({
      to_address: to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      ...(sendAfter ? { send_after: sendAfter } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An SMTP transport with timeouts short enough that a dead server never holds the outbox for long. */
export function smtpTransport(url: string): Transporter {
  return createTransport(url, {
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof createTransport>[1]);
}
