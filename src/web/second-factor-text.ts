import type { FactorOverview } from '#server/identity/second-factor.ts';
import { t } from '#web/i18n.ts';

/** A user's login methods in one line, for the support desk ("App för engångskoder, 2 passkeys, 8 reservkoder kvar"). */
export function factorSummary(factors: FactorOverview): string {
  const parts = [
    factors.totp ? t('mfa.methods.app') : undefined,
    factors.passkeys === 1 ? t('mfa.methods.onePasskey') : factors.passkeys > 1 ? t('mfa.methods.passkeyCount', { count: factors.passkeys }) : undefined,
    factors.recoveryUnused > 0 ? t('mfa.support.recoveryLeft', { count: factors.recoveryUnused }) : undefined,
  ].filter((part): part is string => !!part);
  return parts.length ? parts.join(', ') : t('mfa.support.none');
}

/** How a session was authenticated, from its `amr`, for the list of one's logins. */
export function amrText(amr: readonly string[]): string {
  const passkey = amr.includes('hwk') || amr.includes('swk');
  if (!amr.includes('pwd')) return t(passkey ? 'mfa.amr.passkey' : 'mfa.amr.other');
  if (passkey) return t('mfa.amr.pwdPasskey');
  return t(amr.includes('otp') ? 'mfa.amr.pwdOtp' : 'mfa.amr.pwd');
}
