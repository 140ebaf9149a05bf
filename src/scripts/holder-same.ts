/**
 * "Fullmaktshavaren är samma person som fullmaktsgivaren" on the application form: when
 * ticked, the holder's name and personnummer are hidden, since the server takes the
 * signatory's instead. Without JavaScript they stay visible and a hint says they are
 * ignored when the box is ticked.
 */
const sameBox = document.querySelector<HTMLInputElement>('[data-same-person] input[type="checkbox"]');
const holderFields = document.querySelector<HTMLElement>('[data-holder-identity]');
if (sameBox && holderFields) {
  const update = () => {
    holderFields.hidden = sameBox.checked;
  };
  sameBox.setAttribute('aria-controls', holderFields.id);
  sameBox.addEventListener('change', update);
  update();
}
