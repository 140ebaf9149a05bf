import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const DB_TYPES_FILE = 'src/server/platform/db-types.ts';

/**
 * The types of the columns Postgres only knows as `text` with a CHECK or as `jsonb`. Each
 * type lives in the module that owns the table; the generated file imports it from there.
 */
const CUSTOM_IMPORTS: Record<string, string> = {
  ApplicationStatus: '#server/applications/applications.ts',
  AuditDetail: '#server/platform/audit.ts',
  CodePurpose: '#server/identity/one-time-code.ts',
  DraftAnswers: '#server/applications/applications.ts',
  MailStatus: '#server/mail/outbox.ts',
  OrgRole: '#server/organisation/policy.ts',
  Person: '#server/applications/applications.ts',
  RoleRequestStatus: '#server/organisation/role-requests.ts',
  TicketStep: '#server/kiosk/ticket.ts',
  TransferStatus: '#server/organisation/unit-history.ts',
  UnitStatus: '#server/organisation/admin.ts',
  UserKind: '#server/identity/users.ts',
  UserStatus: '#server/identity/users.ts',
};

/** JSON columns are read as parsed values and written as `JSON.stringify` text. */
const json = (type: string) => `ColumnType<${type}, string, string>`;

const COLUMN_TYPES: Record<string, string> = {
  'app_user.kind': 'UserKind',
  'app_user.org_role': 'OrgRole | null',
  'app_user.status': 'Generated<UserStatus>',
  'application.holder': json('Person'),
  'application.signatory': json('Person'),
  'application.status': 'ApplicationStatus',
  'application_draft.data': json('DraftAnswers'),
  'audit_event.detail': `Generated<${json('AuditDetail')}>`,
  'kiosk_ticket.step': 'TicketStep',
  'mail_outbox.status': 'Generated<MailStatus>',
  'one_time_code.purpose': 'CodePurpose',
  'role_request.status': 'RoleRequestStatus',
  'unit.status': 'Generated<UnitStatus>',
  'unit_transfer.status': 'Generated<TransferStatus>',
};

/** Runs kysely-codegen against a migrated database: writes the types, or with `verify` only compares. */
export function runCodegen(url: string, verify: boolean): { status: number | null; output: string } {
  const bin = path.join(process.cwd(), 'node_modules', '.bin', 'kysely-codegen');
  const result = spawnSync(
    bin,
    [
      '--dialect',
      'postgres',
      '--url',
      url,
      '--out-file',
      DB_TYPES_FILE,
      '--exclude-pattern',
      'kysely_*',
      '--type-mapping',
      JSON.stringify({ int8: 'number' }),
      '--date-parser',
      'string',
      '--custom-imports',
      JSON.stringify(CUSTOM_IMPORTS),
      '--overrides',
      JSON.stringify({ columns: COLUMN_TYPES }),
      ...(verify ? ['--verify'] : []),
    ],
    { encoding: 'utf8' },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
