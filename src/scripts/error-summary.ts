/**
 * A link in the error summary goes to its field's id, which without JavaScript scrolls the
 * input to the top of the window and leaves its label (the question) above it, out of
 * sight. With JavaScript the click instead brings the label, or the legend of a group of
 * boxes, into view and then focuses the input, as GOV.UK's error summary does.
 */
function summaryQuestion(input: HTMLElement): HTMLElement | null {
  const legend = input.closest('fieldset')?.querySelector('legend');
  if (legend) {
    const type = input.getAttribute('type');
    // For a box in a group the legend is the question; for a text field, only when it is near.
    if (type === 'checkbox' || type === 'radio') return legend;
    const legendTop = legend.getBoundingClientRect().top;
    const inputBox = input.getBoundingClientRect();
    if (inputBox.height && inputBox.top + inputBox.height - legendTop < window.innerHeight / 2) return legend;
  }
  return document.querySelector<HTMLElement>(`label[for="${CSS.escape(input.id)}"]`) ?? input.closest('label');
}

for (const errorSummary of document.querySelectorAll<HTMLElement>('[data-error-summary]')) {
  errorSummary.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest<HTMLAnchorElement>('a[href^="#"]');
    if (!link) return;
    const input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    const label = input && summaryQuestion(input);
    if (!input || !label) return;
    event.preventDefault();
    label.scrollIntoView();
    input.focus({ preventScroll: true });
  });
}
