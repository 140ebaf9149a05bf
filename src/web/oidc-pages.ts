import type { OidcPageKind } from '#server/oidc/provider.ts';
import { t } from '#web/i18n.ts';

/**
 * The few pages the OpenID provider itself shows (logout confirmation, logged out, a
 * refused request), in Swedish and in the portal's own stylesheets. Everything else of a
 * sign-in happens on the portal's own pages.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function oidcPage(stylesheets: string[], kind: OidcPageKind, params: { form?: string; service?: string; error?: string; description?: string }): string {
  const service = params.service ? escapeHtml(params.service) : t('oidc.page.anyService');
  const title = t(`oidc.page.${kind}.title`);
  const body = {
    logout: `<p>${t('oidc.page.logout.text', { service })}</p>${params.form ?? ''}
<div class="button-group"><button type="submit" form="op.logoutForm" name="logout" value="yes">${t('oidc.page.logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="button-secondary">${t('oidc.page.logout.no')}</button></div>`,
    loggedOut: `<p>${t('oidc.page.loggedOut.text', { service })}</p><p><a href="/">${t('oidc.page.toStart')}</a></p>`,
    error: `<p>${t('oidc.page.error.text')}</p>${params.error ? `<p>${t('oidc.page.error.code', { code: escapeHtml(params.error) })}</p>` : ''}
<p><a href="/mina-tjanster">${t('oidc.page.toServices')}</a></p>`,
  }[kind];
  return `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${t('site.name')}</title>
${stylesheets.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('\n')}
</head><body><main id="main" class="container"><h1>${title}</h1>${body}</main></body></html>`;
}
