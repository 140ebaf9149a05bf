import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '#server/platform/client-address.ts';
import { contrastRatio, HEX_COLOUR, logoProblem } from '#server/platform/identity.ts';

/**
 * Every setting the portal reads, with its default. Read once per process from the
 * environment; a bad value stops the start with a message that names the variable.
 */
/** The neutral demo mark drawn for this project; relative to the working directory, like CATALOGUE_FILE. */
export const DEFAULT_LOGO_FILE = 'src/assets/logo-demo.svg';

export const MFA_GROUPS = ['staff', 'admins', 'all', 'none'] as const;
export type MfaGroup = (typeof MFA_GROUPS)[number];

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z
  .object({
    APP_MODE: z.enum(['demo', 'production']).default('demo'),
    HOST: z.string().min(1).default('localhost'),
    PORT: integer(1, 65535).default(4321),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_PG_PORT: integer(1, 65535).default(54329),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    SMTP_SINK_PORT: integer(1, 65535).default(2525),
    MAIL_FROM: z.string().min(3).default('Anordnarportalen <noreply@demomyndigheten.example>'),
    DATABASE_POOL_SIZE: integer(1, 200).default(10),
    OUTBOX_POLL_MS: integer(100, 600_000).default(2000),
    OUTBOX_MAX_ATTEMPTS: integer(1, 1000).default(50),
    OUTBOX_LEASE_SECONDS: integer(10, 86_400).default(600),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((value, ctx) => {
        try {
          return parseTrustProxy(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      }),
    CLOCK_OFFSET_FILE: z.string().min(1).optional(),
    SECRET_KEY: z.string().min(32).optional(),
    AUDIT_CLIENT_ADDRESS: z.enum(['truncate', 'hash']).default('truncate'),
    LOGIN_CLIENT_LIMIT: integer(1, 100_000).default(60),
    API_CLIENT_LIMIT: integer(1, 10_000_000).default(1200),
    APPLICATION_DRAFT_CLIENT_LIMIT: integer(1, 1_000_000).default(100),
    APPLICATION_SUBMIT_CLIENT_LIMIT: integer(1, 1_000_000).default(10),
    UNIT_ADD_LIMIT: integer(1, 100_000).default(100),
    API_CACHE_MB: integer(1, 16_384).default(16),
    REGISTER_REFRESH_SECONDS: integer(0, 3600).default(5),
    REGISTER_CONFIRM_MONTHS: integer(1, 120).default(12),
    AUDIT_RETENTION_MONTHS: integer(1, 240).default(24),
    CATALOGUE_FILE: z.string().min(1).default('catalogue/default.json'),
    // Demo mode: `npm start` runs the example e-service of the catalogue beside the portal.
    EXAMPLE_SERVICE: z.enum(['on', 'off']).default('on'),
    // `client-id=secret,other-client=secret`: the secrets of the e-services the catalogue lets sign in through /oidc.
    OIDC_CLIENT_SECRETS: z
      .string()
      .regex(
        /^[a-z0-9-]{3,64}=[^,\s]{32,}(,[a-z0-9-]{3,64}=[^,\s]{32,})*$/,
        'must be client-id=secret pairs separated by commas, each secret at least 32 characters',
      )
      .transform((value) => Object.fromEntries(value.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])))
      .optional(),

    AUTHORITY_NAME: z.string().min(2).default('Demomyndigheten för utbildning'),
    AUTHORITY_POSTAL_ADDRESS: z.string().min(2).default('Demomyndigheten, Box 000, 000 00 Exempelstad'),
    AUTHORITY_PHONE: z.string().min(2).default('000-000 00 00'),
    AUTHORITY_EMAIL: z.email().default('kontakt@demomyndigheten.example'),
    AUTHORITY_OPENING_HOURS: z.string().min(2).default('vardagar kl. 9–12 och 13–15'),
    AUTHORITY_DPO_EMAIL: z.email().default('dataskyddsombud@demomyndigheten.example'),
    // Read and checked at start: the logo is inlined into every page, so a bad file stops the start, not a page.
    LOGO_FILE: z
      .string()
      .min(1)
      .default(DEFAULT_LOGO_FILE)
      .transform((file, ctx) => {
        let svg: string;
        try {
          svg = readFileSync(file, 'utf8');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `cannot be read (${error instanceof Error ? error.message : String(error)})` });
          return z.NEVER;
        }
        const problem = logoProblem(svg);
        if (problem) {
          ctx.addIssue({ code: 'custom', message: `${problem}: the logo is inlined into every page and may not run code or load anything` });
          return z.NEVER;
        }
        return { file, svg };
      }),
    // The header writes white text on it: it must reach 4.5:1 against white.
    BRAND_COLOUR: z
      .string()
      .regex(HEX_COLOUR, 'must be a hex colour such as #1f3f74')
      .default('#1f3f74')
      .refine((colour) => contrastRatio(colour, '#ffffff') >= 4.5, {
        message: 'is too light: white header text on it must reach a contrast of 4.5:1 (WCAG 1.4.3); choose a darker colour',
      })
      .transform((colour) => colour.toLowerCase()),

    LOCKOUT_MAX_FAILURES: integer(1, 100).default(3),
    LOCKOUT_MINUTES: integer(1, 24 * 60).default(30),
    PASSWORD_MAX_AGE_MONTHS: integer(0, 120).default(12),
    PASSWORD_REMINDER_MONTHS: integer(0, 120).default(6),
    PASSWORD_EXPIRY_NOTICE_DAYS: z
      .string()
      .regex(/^\d{1,3}(,\d{1,3})*$/, 'must be whole days separated by commas, e.g. 30,7,1')
      .transform((value) => value.split(',').map(Number))
      .default([30, 7, 1]),
    PASSWORD_MIN_LENGTH: integer(8, 128).default(15),
    SESSION_IDLE_MINUTES: integer(1, 24 * 60).default(20),
    SESSION_ABSOLUTE_HOURS: integer(1, 7 * 24).default(8),
    SESSION_WARNING_SECONDS: integer(10, 3600).default(120),
    ONE_TIME_PASSWORD_DAYS: integer(1, 60).default(7),
    ONE_TIME_PASSWORD_DELAY_DAYS: integer(0, 30).default(2),
    RESET_CODE_MINUTES: integer(5, 24 * 60).default(30),
    APPLICATION_PAPER_DAYS: integer(1, 365).default(60),
    APPEAL_WEEKS: integer(1, 52).default(3),
    REOPEN_DAYS: integer(1, 3650).default(90),
    // Who must have a second factor: staff (handläggare and support), organisations' administrators, everyone.
    MFA_REQUIRED_FOR: z
      .string()
      .default('staff')
      .transform((value, ctx) => {
        const groups = value
          .split(',')
          .map((group) => group.trim())
          .filter(Boolean);
        const unknown = groups.filter((group) => !MFA_GROUPS.includes(group as MfaGroup));
        if (unknown.length) {
          ctx.addIssue({ code: 'custom', message: `unknown group ${unknown.join(', ')}: use a comma-separated list of ${MFA_GROUPS.join(', ')}, or none` });
          return z.NEVER;
        }
        return groups as MfaGroup[];
      }),
  })
  .superRefine((env, ctx) => {
    if (env.APP_MODE !== 'production') return;
    for (const key of ['DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'SECRET_KEY'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when APP_MODE=production' });
    }
    if (env.CLOCK_OFFSET_FILE) ctx.addIssue({ code: 'custom', path: ['CLOCK_OFFSET_FILE'], message: 'is for tests and not allowed when APP_MODE=production' });
  });

export type Env = z.infer<typeof schema>;

export interface Config {
  mode: Env['APP_MODE'];
  /** Demo extras (seed data, SMTP sink, mailbox page) are on. */
  demo: boolean;
  /** Cookies get `Secure`, HSTS is sent. */
  secure: boolean;
  host: string;
  port: number;
  publicUrl: URL;
  databaseUrl: string | undefined;
  /** Connections of the process's one pool, shared by requests and jobs. */
  databasePoolSize: number;
  dataDir: string;
  embeddedPgPort: number;
  smtpUrl: string | undefined;
  smtpSinkPort: number;
  mailFrom: string;
  /** `leaseMs`: how long a claimed mail is one sender's alone before another may take it over. */
  outbox: { pollMs: number; maxAttempts: number; leaseMs: number };
  logLevel: Env['LOG_LEVEL'];
  /** Which hops in front may name the client in X-Forwarded-For. */
  trustProxy: TrustProxy;
  catalogueFile: string;
  /** Demo mode: run the example e-service beside the portal (EXAMPLE_SERVICE). */
  exampleService: boolean;
  /** Secrets of the OIDC clients, by client id (OIDC_CLIENT_SECRETS). */
  oidcClientSecrets: Record<string, string>;
  /** Tests only: a file holding milliseconds to add to the clock. */
  clockOffsetFile: string | undefined;
  /** How the audit log keeps client addresses. */
  auditClientAddress: 'truncate' | 'hash';
  /** Login and kiosk attempts per client address per 15 minutes, across all usernames. */
  loginClientLimit: number;
  /** Open API requests per client address per minute. */
  apiClientLimit: number;
  /** Application drafts ("Fortsätt") and submissions per client address per hour. */
  applicationClientLimits: { drafts: number; submissions: number };
  /** Units one organisation may add per hour. */
  unitAddLimit: number;
  /** The open API's answers in each process: bytes kept, and how often the latest publication is looked up again. */
  apiCache: { bytes: number; refreshMs: number };
  /** Organisations that have not confirmed their details for this long are listed for the back office. */
  registerConfirmMonths: number;
  /** How long audit rows are kept. */
  auditRetentionMonths: number;
  /** Signs captcha challenges; the demo uses a fixed, public value. */
  secretKey: string;
  /** `dpoEmail`: the data protection officer, named on the personal-data page. */
  authority: { name: string; postalAddress: string; phone: string; email: string; openingHours: string; dpoEmail: string };
  /** The logo (checked SVG text, inlined into the header) and the header's brand colour. */
  identity: { logoFile: string; logoSvg: string; brandColour: string };
  rules: {
    lockoutMaxFailures: number;
    lockoutMinutes: number;
    passwordMaxAgeMonths: number;
    passwordReminderMonths: number;
    passwordMinLength: number;
    passwordExpiryNoticeDays: number[];
    sessionIdleMinutes: number;
    sessionAbsoluteHours: number;
    sessionWarningSeconds: number;
    oneTimePasswordDays: number;
    /** Days from the username letter being marked printed to the one-time password's e-mail: the letter arrives first. */
    oneTimePasswordDelayDays: number;
    resetCodeMinutes: number;
    /** An application whose signed paper has not arrived this many days after submission lapses. */
    applicationPaperDays: number;
    /** A decision can be appealed within this many weeks from when the applicant received it (the status page and the mail say so). */
    appealWeeks: number;
    /** A closed organisation can be reopened, restoring what closing changed, this many days after closing. */
    reopenDays: number;
    /** Groups that must have a second factor (MFA_REQUIRED_FOR): `staff`, `admins`, `all`; `none` or empty for nobody. */
    mfaRequiredFor: MfaGroup[];
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment into a Config, or throws a ConfigError naming each bad variable. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  const lines = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return `${name}=${JSON.stringify(source[name] ?? '')}: ${issue.message}`;
      });
  // Demo mode seeds accounts whose password is public: a real database or mail server never falls into it.
  if (!cleaned.APP_MODE && (cleaned.DATABASE_URL || cleaned.SMTP_URL)) {
    lines.unshift(
      'APP_MODE="": must be set when DATABASE_URL or SMTP_URL is set: APP_MODE=production for a real deployment, or APP_MODE=demo to run the demo (with its public demo accounts) on that database',
    );
  }
  if (!result.success || lines.length) throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  const env = result.data;
  const secure = env.APP_MODE === 'production';
  return {
    mode: env.APP_MODE,
    demo: env.APP_MODE === 'demo',
    secure,
    host: env.HOST,
    port: env.PORT,
    publicUrl: new URL(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`),
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    dataDir: env.DATA_DIR,
    embeddedPgPort: env.EMBEDDED_PG_PORT,
    smtpUrl: env.SMTP_URL,
    smtpSinkPort: env.SMTP_SINK_PORT,
    mailFrom: env.MAIL_FROM,
    outbox: { pollMs: env.OUTBOX_POLL_MS, maxAttempts: env.OUTBOX_MAX_ATTEMPTS, leaseMs: env.OUTBOX_LEASE_SECONDS * 1000 },
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    catalogueFile: env.CATALOGUE_FILE,
    oidcClientSecrets: env.OIDC_CLIENT_SECRETS ?? {},
    exampleService: env.APP_MODE === 'demo' && env.EXAMPLE_SERVICE === 'on',
    clockOffsetFile: env.CLOCK_OFFSET_FILE,
    auditClientAddress: env.AUDIT_CLIENT_ADDRESS,
    loginClientLimit: env.LOGIN_CLIENT_LIMIT,
    apiClientLimit: env.API_CLIENT_LIMIT,
    applicationClientLimits: { drafts: env.APPLICATION_DRAFT_CLIENT_LIMIT, submissions: env.APPLICATION_SUBMIT_CLIENT_LIMIT },
    unitAddLimit: env.UNIT_ADD_LIMIT,
    apiCache: { bytes: env.API_CACHE_MB * 1024 * 1024, refreshMs: env.REGISTER_REFRESH_SECONDS * 1000 },
    registerConfirmMonths: env.REGISTER_CONFIRM_MONTHS,
    auditRetentionMonths: env.AUDIT_RETENTION_MONTHS,
    secretKey: env.SECRET_KEY ?? 'demo-only-secret-key-not-for-production-use',
    authority: {
      name: env.AUTHORITY_NAME,
      postalAddress: env.AUTHORITY_POSTAL_ADDRESS,
      phone: env.AUTHORITY_PHONE,
      email: env.AUTHORITY_EMAIL,
      openingHours: env.AUTHORITY_OPENING_HOURS,
      dpoEmail: env.AUTHORITY_DPO_EMAIL,
    },
    identity: { logoFile: env.LOGO_FILE.file, logoSvg: env.LOGO_FILE.svg, brandColour: env.BRAND_COLOUR },
    rules: {
      lockoutMaxFailures: env.LOCKOUT_MAX_FAILURES,
      lockoutMinutes: env.LOCKOUT_MINUTES,
      passwordMaxAgeMonths: env.PASSWORD_MAX_AGE_MONTHS,
      passwordReminderMonths: env.PASSWORD_REMINDER_MONTHS,
      passwordMinLength: env.PASSWORD_MIN_LENGTH,
      passwordExpiryNoticeDays: env.PASSWORD_EXPIRY_NOTICE_DAYS,
      sessionIdleMinutes: env.SESSION_IDLE_MINUTES,
      sessionAbsoluteHours: env.SESSION_ABSOLUTE_HOURS,
      sessionWarningSeconds: env.SESSION_WARNING_SECONDS,
      oneTimePasswordDays: env.ONE_TIME_PASSWORD_DAYS,
      oneTimePasswordDelayDays: env.ONE_TIME_PASSWORD_DELAY_DAYS,
      resetCodeMinutes: env.RESET_CODE_MINUTES,
      applicationPaperDays: env.APPLICATION_PAPER_DAYS,
      appealWeeks: env.APPEAL_WEEKS,
      reopenDays: env.REOPEN_DAYS,
      mfaRequiredFor: env.MFA_REQUIRED_FOR.filter((group) => group !== 'none'),
    },
  };
}

let cached: Config | undefined;

/** The process's configuration, read from `process.env` on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** The settings that are rendered into prerendered pages: a change to them needs a new build. */
export function buildVisibleSettings(c: Config): unknown {
  // The logo's text, not its file name: a new drawing under the same name needs a new build too.
  return {
    authority: c.authority,
    identity: { logoSvg: c.identity.logoSvg, brandColour: c.identity.brandColour },
    rules: c.rules,
    // The personal-data page states how long the event log is kept.
    auditRetentionMonths: c.auditRetentionMonths,
    catalogueFile: c.catalogueFile,
  };
}
