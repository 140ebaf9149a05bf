/**
 * The character count of Textarea.astro: the static "Högst N tecken" becomes "Du har N tecken
 * kvar" as the reader types. The visible count follows every key; the live region that screen
 * readers hear is updated only once typing pauses, so they are not interrupted on each letter.
 */
const PAUSE_MS = 600;

for (const group of document.querySelectorAll<HTMLElement>('[data-character-count]')) {
  const field = group.querySelector('textarea');
  const count = group.querySelector<HTMLElement>('.count');
  const live = group.querySelector<HTMLElement>('[data-count-live]');
  if (!field || !count || !live || field.maxLength <= 0) continue;
  const message = () => {
    const left = field.maxLength - field.value.length;
    return left === 1 ? (count.dataset.leftOne ?? '') : (count.dataset.left ?? '').replace('{count}', String(Math.max(left, 0)));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    count.textContent = message();
    clearTimeout(timer);
    timer = setTimeout(() => {
      live.textContent = message();
    }, PAUSE_MS);
  };
  count.textContent = message();
  field.addEventListener('input', update);
}
