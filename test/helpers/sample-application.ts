import type { ApplicationForPdf } from '#server/pdf/application.ts';

/** An application as stored, for generating its documents directly. */
export function sampleApplication(): ApplicationForPdf {
  return {
    reference: 'AK-2026-00042',
    org_number: '5566778899',
    org_name: 'Åkerö Utbildning AB',
    postal_address: 'Storgatan 1',
    postal_code: '11122',
    city: 'Örebro',
    phone: '010-123 45 67',
    email: 'info@akero.example',
    submitted_at: new Date('2026-11-22T10:00:00Z'),
    signatory: { firstName: 'Göran', lastName: 'Öst', personnummer: '199001010017', title: 'VD' },
    holder: { firstName: 'Åsa', lastName: 'Ängström', personnummer: '198502020012', email: 'asa@akero.example', phone: '070-123 45 67' },
    areas: ['KK', 'YH'],
  };
}
