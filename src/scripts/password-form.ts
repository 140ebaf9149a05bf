/**
 * Improves the new-password form when JavaScript runs: a "Visa lösenord" switch and a
 * character count. The server decides; without JavaScript the form works the same.
 */
const form = document.querySelector<HTMLFormElement>('[data-password-form]');
if (form) {
  const fields = [...form.querySelectorAll<HTMLInputElement>('input[type="password"]')];
  const toggleBox = form.querySelector<HTMLElement>('[data-show-password]');
  const toggle = toggleBox?.querySelector<HTMLInputElement>('input[type="checkbox"]');
  if (toggleBox && toggle) {
    toggleBox.hidden = false;
    toggle.addEventListener('change', () => {
      for (const field of fields) field.type = toggle.checked ? 'text' : 'password';
    });
  }
  const strength = form.querySelector<HTMLElement>('#newPassword-strength');
  const first = fields[0];
  const min = Number(form.dataset.min);
  if (strength && first) {
    const template = strength.dataset.template ?? '';
    const update = () => {
      const count = [...first.value.normalize('NFKC')].length;
      strength.hidden = count === 0;
      strength.textContent = template.replace('{count}', String(count));
      strength.dataset.enough = String(count >= min);
    };
    first.addEventListener('input', update);
  }
}
