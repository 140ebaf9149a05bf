import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { applicationPdf, undertakingPdf } from '#server/pdf/application.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';
import { roleRequestPdf } from '#server/pdf/role-request.ts';
import { sampleApplication } from '../helpers/sample-application.ts';

const config = parseConfig({});
const created = new Date('2026-11-22T10:00:00Z');
const organisation = { name: 'Åkerö Utbildning AB', orgNumber: '5566778899', postalAddress: 'Storgatan 1', postalCode: '11122', city: 'Örebro' };

/** Each document made from data that carries its own date, the only date it may show. */
const documents: [string, (at: Date) => Promise<Buffer>][] = [
  ['the application', (at) => applicationPdf({ ...sampleApplication(), submitted_at: at }, config)],
  ['the Ansvarsförbindelse', (at) => undertakingPdf({ ...sampleApplication(), submitted_at: at }, 'KK', config)],
  [
    'the username letter',
    (at) =>
      usernameLetterPdf(
        {
          letterId: 7,
          createdAt: at,
          firstName: 'Åsa',
          lastName: 'Ängström',
          username: 'ak1001',
          recipient: {
            organisationName: organisation.name,
            unitName: null,
            postalAddress: organisation.postalAddress,
            postalCode: organisation.postalCode,
            city: organisation.city,
          },
        },
        config,
      ),
  ],
  ['the request for a new role', (at) => roleRequestPdf({ reference: 'NR-2026-00007', createdAt: at, organisation, areas: ['ET'] }, config)],
];

describe('the printed documents', () => {
  // Only Date is faked: pdfkit's streams still need the real timers.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T08:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it.each(documents)('make %s from its data alone: the same bytes a day later, other bytes for another date', async (_name, make) => {
    const first = await make(created);
    vi.setSystemTime(new Date('2026-11-26T09:30:01Z'));
    expect((await make(created)).equals(first)).toBe(true);
    expect((await make(new Date('2026-11-23T10:00:00Z'))).equals(first)).toBe(false);
  });
});
