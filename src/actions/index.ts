import { account } from './account.ts';
import { administered } from './administered.ts';
import { applications } from './applications.ts';
import { office } from './office.ts';
import { organisationOffice } from './organisation-office.ts';
import { auth } from './auth.ts';
import { organisation } from './organisation.ts';
import { passkey } from './passkey.ts';
import { support } from './support.ts';
import { mfa, mfaSupport } from './mfa.ts';
import { contacts, customise } from './services.ts';
import { serviceSignIn } from './service-sign-in.ts';

/**
 * Astro Actions: thin form handlers that validate input and call the domain in src/server.
 * Each concept keeps its actions in its own file here and is spread in below.
 */
export const server = {
  auth,
  account: { ...account, ...customise, ...serviceSignIn },
  support: { ...support, ...mfaSupport },
  mfa,
  organisation,
  applications,
  passkey,
  office: { ...office, ...contacts, ...organisationOffice, ...administered },
};
