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
