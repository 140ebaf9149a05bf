import { describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { renderMail } from '#server/mail/mail.ts';
import { retryDelayMs } from '#server/mail/outbox.ts';

const { authority } = parseConfig({});

describe('mail templates', () => {
  const mail = renderMail(
    {
      subject: 'Ditt lösenord har ändrats',
      greeting: 'Hej Åsa!',
      paragraphs: ['Lösenordet för <ab1234> ändrades i dag.'],
      action: { label: 'Gå till lösenordskiosken', url: 'https://portal.example/losenordskiosk?a=1&b=2' },
    },
    authority,
  );

  it('makes the plain-text and the HTML body from the same content', () => {
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('Hej Åsa!');
      expect(body).toContain(authority.name);
      expect(body).toContain('Gå till lösenordskiosken');
    }
    expect(mail.text).toContain('https://portal.example/losenordskiosk?a=1&b=2');
    expect(mail.html).toContain('lang="sv"');
  });

  it('names the authority at the top of the HTML mail and in the signature', () => {
    const body = mail.html.slice(mail.html.indexOf('<body'));
    expect(body.indexOf(authority.name)).toBeLessThan(body.indexOf('Hej Åsa!'));
    expect(body.lastIndexOf(authority.name)).toBeGreaterThan(body.indexOf('Hej Åsa!'));
  });

  it('escapes what it puts into HTML', () => {
    expect(mail.html).toContain('&lt;ab1234&gt;');
    expect(mail.html).toContain('href="https://portal.example/losenordskiosk?a=1&amp;b=2"');
    expect(mail.html).not.toContain('<ab1234>');
  });
});

describe('outbox retry delay', () => {
  it('doubles from 30 seconds and stops growing at an hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(3_600_000);
  });
});
