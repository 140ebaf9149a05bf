/**
 * An e-mail address as the new-password step shows it: the first letter of the mailbox and
 * the whole domain (l***@bokskolan.example). The owner recognises it; someone looking at a
 * shared screen, or who got hold of a one-time password, learns no full address from it.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
