import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendOneTimePassword } from '#server/identity/accounts.ts';
import { letterContents, letterQueue, loginDetailsState, markLettersPrinted, sendDueOneTimePasswords } from '#server/identity/letters.ts';
import { issueCode } from '#server/identity/one-time-code.ts';
import { findUserById, type User } from '#server/identity/users.ts';
import { startChange } from '#server/kiosk/kiosk.ts';
import { addUser, cell, setRoles } from '#server/organisation/admin.ts';
import { HOUR, ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { usernameLettersPdf } from '#server/pdf/letter.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createOrganisation } from '../helpers/users.ts';

const config = parseConfig({});
const DAY = 24 * HOUR;
const actor = { userId: null, client: 'test' };

describe('username letters and the one-time password that follows them', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  const dir = tempDir('letters');
  let people = 0;
  const add = async (organisationId: number, roles: string[]) => {
    people++;
    const person = { firstName: 'Olle', lastName: 'Lind', email: `person${people}@brev.example`, phone: '' };
    return t.db.transaction().execute((trx) => addUser(trx, organisationId, person, new Set(roles), actor, config, clock));
  };
  const otpMails = (user: Pick<User, 'email'>) =>
    t.db
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', user.email)
      .where('subject', 'like', '%engångslösenord%')
      .execute();
  const letterOf = (user: Pick<User, 'id'>) => t.db.selectFrom('user_letter').selectAll().where('user_id', '=', user.id).execute();

  beforeAll(async () => {
    t = await freshDatabase();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-06-01T08:00:00Z');
  });
  afterAll(async () => {
    await t?.drop();
    dir.remove();
  });

  it('mails the one-time password only once the letter is printed and the delay has passed, once, valid from then', async () => {
    const org = await createOrganisation(t.db, 'Brevskolan AB');
    const user = await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]);
    expect(await letterOf(user)).toHaveLength(1);
    expect(await otpMails(user)).toEqual([]);
    expect(await loginDetailsState(t.db, user)).toEqual({ kind: 'letterWaiting' });

    // Days in the print queue send nothing.
    clock.advance(5 * DAY);
    expect(await sendDueOneTimePasswords(t.db, config, clock)).toBe(0);
    const [letter] = await letterOf(user);
    expect(await markLettersPrinted(t.db, [letter.id], actor, config, clock)).toBe(1);
    const printedAt = clock.now();
    const due = new Date(printedAt.getTime() + config.rules.oneTimePasswordDelayDays * DAY);
    expect(await loginDetailsState(t.db, user)).toEqual({ kind: 'oneTimePasswordDue', at: due });

    clock.set(new Date(due.getTime() - MINUTE));
    expect(await sendDueOneTimePasswords(t.db, config, clock)).toBe(0);
    expect(await otpMails(user)).toEqual([]);

    clock.set(due);
    expect(await sendDueOneTimePasswords(t.db, config, clock)).toBe(1);
    clock.advance(HOUR);
    expect(await sendDueOneTimePasswords(t.db, config, clock)).toBe(0);
    expect(await otpMails(user)).toHaveLength(1);
    expect(await loginDetailsState(t.db, user)).toEqual({ kind: 'oneTimePasswordSent', at: due });
    const code = await t.db.selectFrom('one_time_code').select(['created_at', 'expires_at']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(code).toEqual({ created_at: due, expires_at: new Date(due.getTime() + config.rules.oneTimePasswordDays * DAY) });
  });

  it('sends each due one-time password once when several instances run the chore at the same moment', async () => {
    const org = await createOrganisation(t.db, 'Samtidigskolan AB');
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]));
    const letters = await t.db
      .selectFrom('user_letter')
      .select('id')
      .where(
        'user_id',
        'in',
        users.map((user) => user.id),
      )
      .execute();
    await markLettersPrinted(
      t.db,
      letters.map((letter) => letter.id),
      actor,
      config,
      clock,
    );
    clock.advance(config.rules.oneTimePasswordDelayDays * DAY);
    const others = [createDb(t.url, 2), createDb(t.url, 2)];
    try {
      const sent = await Promise.all([t.db, ...others].map((db) => sendDueOneTimePasswords(db, config, clock)));
      expect(sent.reduce((sum, n) => sum + n, 0)).toBe(6);
    } finally {
      await Promise.all(others.map((db) => db.destroy()));
    }
    for (const user of users) expect(await otpMails(user)).toHaveLength(1);
  });

  it('marks exactly the letters that were printed: one made meanwhile waits for the next round', async () => {
    const org = await createOrganisation(t.db, 'Rundskolan AB');
    const first = await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]);
    const listed = (await letterQueue(t.db, false)).map((letter) => letter.id);
    const meanwhile = await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]);
    await markLettersPrinted(t.db, listed, actor, config, clock);
    expect((await letterOf(first))[0].printed_at).toEqual(clock.now());
    expect((await letterOf(meanwhile))[0].printed_at).toBeNull();
    expect((await letterQueue(t.db, false)).map((letter) => letter.id)).toEqual([(await letterOf(meanwhile))[0].id]);
    const audit = await t.db
      .selectFrom('audit_event')
      .select(['event', 'detail'])
      .where('event', '=', 'letter.printed')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ count: listed.length });
  });

  it('gives a member with no role neither letter nor one-time password, until a role is given', async () => {
    const org = await createOrganisation(t.db, 'Rollösa skolan AB');
    const user = await add(org.id, []);
    expect(await letterOf(user)).toEqual([]);
    expect(await loginDetailsState(t.db, user)).toEqual({ kind: 'noRole' });
    clock.advance(30 * DAY);
    await sendDueOneTimePasswords(t.db, config, clock);
    expect(await otpMails(user)).toEqual([]);
    await t.db.transaction().execute(async (trx) => {
      const roles = new Set([cell(org.mainUnitId, 'YH_ANSOKAN')]);
      await setRoles(trx, (await findUserById(trx, user.id))!, roles, roles, actor, clock);
    });
    expect(await letterOf(user)).toHaveLength(1);
    // Taking the role away and giving it again makes no second letter.
    await t.db.transaction().execute(async (trx) => {
      const all = new Set([cell(org.mainUnitId, 'YH_ANSOKAN')]);
      await setRoles(trx, (await findUserById(trx, user.id))!, new Set(), all, actor, clock);
      await setRoles(trx, (await findUserById(trx, user.id))!, all, all, actor, clock);
    });
    expect(await letterOf(user)).toHaveLength(1);
  });

  it("lets an administrator's deliberate one-time password stand in for the scheduled one", async () => {
    const org = await createOrganisation(t.db, 'Omskolan AB');
    const user = await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]);
    await markLettersPrinted(
      t.db,
      (await letterOf(user)).map((letter) => letter.id),
      actor,
      config,
      clock,
    );
    await t.db.transaction().execute(async (trx) => sendOneTimePassword(trx, (await findUserById(trx, user.id))!, actor, config, clock));
    expect(await otpMails(user)).toHaveLength(1);
    clock.advance(config.rules.oneTimePasswordDelayDays * DAY);
    await sendDueOneTimePasswords(t.db, config, clock);
    expect(await otpMails(user)).toHaveLength(1);
  });

  it("addresses the letter to the unit of the person's roles when it has an address, otherwise to the organisation", async () => {
    const org = await createOrganisation(t.db, 'Filialskolan AB');
    await t.db.updateTable('organisation').set({ postal_address: 'Huvudgatan 1', postal_code: '11122', city: 'Stockholm' }).where('id', '=', org.id).execute();
    const branch = await t.db
      .insertInto('unit')
      .values({ organisation_id: org.id, name: 'Filial Umeå', postal_address: 'Norra gatan 7', postal_code: '90325', city: 'Umeå', created_at: clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const bare = await t.db
      .insertInto('unit')
      .values({ organisation_id: org.id, name: 'Enhet utan adress', created_at: clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const inBranch = await add(org.id, [cell(branch.id, 'YH_ANSOKAN')]);
    const inBare = await add(org.id, [cell(bare.id, 'YH_ANSOKAN')]);
    const [branchLetter] = await letterOf(inBranch);
    const [bareLetter] = await letterOf(inBare);
    const [toBranch, toOrganisation] = await letterContents(
      t.db,
      [bareLetter.id, branchLetter.id].sort((a, b) => a - b),
    );
    expect(toBranch.recipient).toEqual({
      organisationName: 'Filialskolan AB',
      unitName: 'Filial Umeå',
      postalAddress: 'Norra gatan 7',
      postalCode: '90325',
      city: 'Umeå',
    });
    expect(toOrganisation.recipient).toEqual({
      organisationName: 'Filialskolan AB',
      unitName: null,
      postalAddress: 'Huvudgatan 1',
      postalCode: '11122',
      city: 'Stockholm',
    });

    // "Skriv ut alla": one file, one page per letter, each with its own address and username.
    const file = path.join(dir.path, 'alla.pdf');
    writeFileSync(file, await usernameLettersPdf([toBranch, toOrganisation], config));
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Pages:\s+2\n/);
    const pages = [1, 2].map((page) =>
      execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
    );
    expect(pages[0]).toContain('Filial Umeå Norra gatan 7 903 25 Umeå');
    expect(pages[0]).toContain(inBranch.username);
    expect(pages[1]).toContain('Filialskolan AB Huvudgatan 1 111 22 Stockholm');
    expect(pages[1]).toContain(inBare.username);
  });

  it('says that an expired one-time password has expired when it is typed exactly, without counting it towards the lock', async () => {
    const org = await createOrganisation(t.db, 'Utgångsskolan AB');
    const user = await add(org.id, [cell(org.mainUnitId, 'YH_ANSOKAN')]);
    const { code } = await t.db.transaction().execute((trx) => issueCode(trx, user.id, 'first_login', config.rules.oneTimePasswordDays * DAY, clock));
    const context = () => ({ clock, config, client: '192.0.2.0' });
    expect(await startChange(t.db, user.username, code, context())).toMatchObject({ kind: 'ok' });
    clock.advance(config.rules.oneTimePasswordDays * DAY);
    // Far more tries than the lock allows: the owner's own expired code never locks them out.
    for (let i = 0; i < config.rules.lockoutMaxFailures + 3; i++) {
      expect(await startChange(t.db, user.username, code.toLowerCase(), context())).toEqual({ kind: 'oneTimePasswordExpired' });
    }
    // A wrong code, or the right one for another username, answers as any wrong password and counts.
    expect(await startChange(t.db, user.username, 'ABCD-EFGH-JKLM', context())).toEqual({ kind: 'failed' });
    expect(await startChange(t.db, 'zz0000', code, context())).toEqual({ kind: 'failed' });
    const outcomes = [];
    for (let i = 0; i < config.rules.lockoutMaxFailures; i++) outcomes.push((await startChange(t.db, user.username, `fel kod ${i}`, context())).kind);
    expect(outcomes.at(-1)).toBe('locked');
    const events = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', user.id).where('event', 'like', 'login.%').execute();
    expect(events.filter((event) => event.event === 'login.oneTimePasswordExpired')).toHaveLength(config.rules.lockoutMaxFailures + 3);
  });
});
