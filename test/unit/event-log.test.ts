import { describe, expect, it } from 'vitest';
import { describeEvent, joinSwedish, LOG_KINDS, logCsv, type LogRow, splitRoles } from '#server/organisation/event-log.ts';

const AUTHORITY = 'Myndigheten';
const sentence = (event: string, detail: Record<string, unknown>, subject = 'Lisa Nord', unit?: string) =>
  describeEvent({ event, detail, subject_name: subject, unit_name: unit }, AUTHORITY);
// What the issue saw on the page: stored keys and ISO times.
const RAW = /\b\w+: |\d{4}-\d{2}-\d{2}(T|\b)/;

describe('the event log as sentences', () => {
  it('says which roles were added and removed, for whom', () => {
    expect(
      sentence('roles.changed', { före: 'Hantera ansökan YH i Demoskolan AB', efter: 'Hantera ansökan KK i Konstlinjen, Hantera ansökan YH i Demoskolan AB' }),
    ).toBe('Lade till rollen Hantera ansökan KK i Konstlinjen för Lisa Nord.');
    expect(sentence('roles.changed', { före: 'Administratör enhet i A, B, Hantera ansökan YH i C', efter: '–' })).toBe(
      'Tog bort rollerna Administratör enhet i A, B och Hantera ansökan YH i C från Lisa Nord.',
    );
    expect(sentence('roles.changed', { före: 'Hantera ansökan YH i Flyttbara skolan', efter: '–', orsak: 'enheten flyttades' })).toContain(
      'Enheten flyttades till en annan organisation.',
    );
  });

  it('splits role lists only where a role name follows the comma', () => {
    expect(splitRoles('Hantera ansökan YH i Skolan, Syd, Administratör enhet i Norr')).toEqual([
      'Hantera ansökan YH i Skolan, Syd',
      'Administratör enhet i Norr',
    ]);
    expect(splitRoles('–')).toEqual([]);
  });

  it('writes every stored shape without keys or ISO times', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['user.created', { username: 'ln8460', orgRole: null }],
      ['code.issued', { kind: 'one-time password' }],
      ['code.issued', {}],
      ['password.changed', { reason: 'first_login', sessionsEnded: 0 }],
      ['password.reset', { reason: 'reset', sessionsEnded: 2 }],
      ['login.locked', { until: '2026-11-25T15:07:32.243Z' }],
      ['orgRole.changed', { before: '', after: 'admin_org' }],
      ['orgRole.changed', { before: 'admin_org', after: '' }],
      ['user.inactivated', { sessionsEnded: 1 }],
      ['unit.merged', { from: 'A', into: 'B', rolesMoved: 3, usersMoved: 2 }],
      ['unit.split', { from: 'A', unit: 'A Syd', rolesMoved: 2, usersMoved: 1 }],
      ['unit.transferred', { unit: 'A', from: 'X AB', to: 'Y AB', rolesEnded: 1 }],
      ['unit.transferDeclined', { unit: 'A', from: 'X AB', to: 'Y AB' }],
      ['roleRequest.created', { reference: 'R-1', areas: 'ET' }],
      ['roleRequest.paperReceived', { reference: 'R-1', receivedOn: '2026-11-20' }],
      ['unit.updated', { unitId: 4, city: 'Lund → Malmö', status: 'active → inactive' }],
      ['organisation.updated', { phone: ' → 010-1' }],
      ['session.ended', { reason: 'idle' }],
      ['terms.accepted', { version: 3 }],
      ['something.new', { secret: 'x' }],
    ];
    for (const [event, detail] of cases) {
      const text = sentence(event, detail, 'Lisa Nord', 'Konstlinjen');
      expect(text, event).not.toMatch(RAW);
      expect(text, event).toMatch(/\.$/);
    }
    expect(sentence('login.locked', { until: '2026-11-25T15:07:32.243Z' })).toContain('25 november 2026 kl. 16:07');
    expect(sentence('unit.updated', { unitId: 4, city: 'Lund → Malmö' }, 'x', 'Konstlinjen')).toBe('Ändrade enheten Konstlinjen (ort från Lund till Malmö).');
    expect(sentence('orgRole.changed', { before: '', after: 'admin_org' })).toBe('Gav Lisa Nord rollen Administratör organisation.');
  });

  it('names every kind once', () => {
    const kinds = LOG_KINDS.map(([kind]) => kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('joins Swedish lists', () => {
    expect(joinSwedish(['a'])).toBe('a');
    expect(joinSwedish(['a', 'b', 'c'])).toBe('a, b och c');
  });

  it('exports CSV for Swedish Excel: BOM, semicolons, formulas neutralised', () => {
    const row = {
      id: 1,
      at: new Date('2026-11-25T12:00:00Z'),
      event: 'unit.added',
      detail: { unit: '=HYPERLINK("x")' },
      actor: 'Maria Lindqvist (ds1001)',
      actor_staff: false,
      actor_role: 'fullmaktshavare',
      subject: null,
      subject_name: null,
      unit_name: null,
    } as unknown as LogRow;
    const csv = logCsv([row, { ...row, detail: { unit: 'x' }, actor: '@evil' } as unknown as LogRow], AUTHORITY);
    expect(csv.startsWith('\uFEFF"Tid";"Vem";')).toBe(true);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('"25 november 2026 kl. 13:00";"Maria Lindqvist (ds1001), Fullmaktshavare";"Enhet tillagd";"";"Lade till enheten =HYPERLINK(""x"")."');
    expect(lines[2]).toContain(`"'@evil, Fullmaktshavare"`);
  });
});
