import { cookiesOf, postForm } from './forms.ts';

/** A complete, valid application's fields; override any of them. */
export function applicationFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    orgNumber: '556677-8899',
    orgName: 'Åkerö Utbildning AB',
    postalAddress: 'Storgatan 1',
    postalCode: '111 22',
    city: 'Örebro',
    phone: '010-123 45 67',
    email: 'info@akero.example',
    signatoryFirstName: 'Göran',
    signatoryLastName: 'Öst',
    signatoryPersonnummer: '19900101-0017',
    signatoryTitle: 'VD',
    holderFirstName: 'Åsa',
    holderLastName: 'Ängström',
    holderPersonnummer: '19850202-0012',
    holderEmail: 'asa@akero.example',
    holderPhone: '070-123 45 67',
    ...overrides,
  };
}

/** Posts the form (with the areas) and then "Skicka in ansökan", as a browser would; returns the final response. */
export async function applyOverHttp(
  url: string,
  fields: Record<string, string>,
  areas: string[],
): Promise<{ check: Response; submit?: Response; cookie: string }> {
  const body = new URLSearchParams(fields);
  for (const area of areas) body.append('areas', area);
  const check = await fetch(`${url}/ansok?_action=applications.check`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url },
    body: body.toString(),
  });
  const cookie = cookiesOf(check);
  if (check.status !== 303) return { check, cookie };
  const submit = await postForm(`${url}/ansok/kontrollera?_action=applications.submit`, {}, cookie);
  return { check, submit, cookie };
}
