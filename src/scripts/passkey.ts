/**
 * Passkeys in the browser: every element with `data-passkey="login|step-up|register"`
 * becomes one ceremony. The server's options come from /api/passkey/…, the browser and
 * the authenticator do their part, the answer goes back, and the page moves on to where
 * the server says. Each widget is `hidden` until this script knows the browser can do it;
 * the page's <noscript> note covers a browser without JavaScript. What goes wrong is put
 * in the widget's alert area as a new role="alert" element, so that it is announced.
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';

type Mode = 'login' | 'step-up' | 'register';
const ENDPOINTS: Record<Mode, { options: string; verify: string }> = {
  login: { options: '/api/passkey/login-options', verify: '/api/passkey/login' },
  'step-up': { options: '/api/passkey/step-up-options', verify: '/api/passkey/step-up' },
  register: { options: '/api/passkey/register-options', verify: '/api/passkey/register' },
};

/** A refusal from our endpoints, whose message is already the Swedish text to show. */
class Refused extends Error {
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

async function post(url: string, body: unknown, texts: DOMStringMap): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Refused(texts.errorNetwork ?? '');
  }
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Refused(typeof data.message === 'string' ? data.message : (texts.errorGeneral ?? ''), data.field as string | undefined);
  return data;
}

/** What went wrong, in the words the page gave us (data-error-* attributes). */
function messageFor(error: unknown, texts: DOMStringMap): string {
  if (error instanceof Refused) return error.message;
  const name = error instanceof WebAuthnError ? (error.cause as Error | undefined)?.name : (error as Error | undefined)?.name;
  if (error instanceof WebAuthnError && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return texts.errorDuplicate ?? '';
  if (name === 'NotAllowedError' || name === 'AbortError') return texts.errorCancelled ?? '';
  return texts.errorGeneral ?? '';
}

function setup(widget: HTMLElement): void {
  const mode = widget.dataset.passkey as Mode;
  const endpoints = ENDPOINTS[mode];
  const texts = widget.dataset;
  const alert = widget.querySelector<HTMLElement>('[data-passkey-alert]');
  const button = widget.querySelector<HTMLButtonElement>('[data-passkey-start]');
  const nameField = widget.querySelector<HTMLInputElement>('input[name="passkey-name"]');
  const nameError = widget.querySelector<HTMLElement>('[data-passkey-name-error]');
  if (!endpoints || !alert || !button) return;

  if (!browserSupportsWebAuthn()) {
    // The note right after the widget (PasskeyWidget.astro) says why nothing is offered.
    const unsupported = widget.nextElementSibling;
    if (unsupported instanceof HTMLElement && unsupported.matches('[data-passkey-unsupported]')) unsupported.hidden = false;
    return;
  }
  widget.hidden = false;

  // A new element with role="alert" is announced as it appears; an empty alert region kept
  // on the page would be one more alert for every reader and test to step over.
  const showError = (message: string, field?: string) => {
    const text = document.createElement('p');
    text.setAttribute('role', 'alert');
    text.textContent = message;
    alert.replaceChildren(text);
    if (field && nameField && nameError) {
      nameError.querySelector('[data-text]')!.textContent = message;
      nameError.hidden = false;
      nameField.setAttribute('aria-invalid', 'true');
      nameField.closest('.form-group')?.classList.add('form-group-error');
      nameField.focus();
    }
  };
  const clearError = () => {
    alert.replaceChildren();
    if (nameField && nameError) {
      nameError.hidden = true;
      nameField.removeAttribute('aria-invalid');
      nameField.closest('.form-group')?.classList.remove('form-group-error');
    }
  };
  // While the browser's own passkey dialog is open, a second press would only abort it.
  const busy = (on: boolean) => {
    button.disabled = on;
    button.setAttribute('aria-busy', String(on));
  };

  const run = async () => {
    clearError();
    const name = nameField?.value.trim() ?? '';
    if (nameField && !name) return showError(texts.errorNameRequired ?? '', 'passkey-name');
    busy(true);
    try {
      const options = await post(endpoints.options, {}, texts);
      const response =
        mode === 'register'
          ? await startRegistration({ optionsJSON: options as unknown as Parameters<typeof startRegistration>[0]['optionsJSON'] })
          : await startAuthentication({ optionsJSON: options as unknown as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
      const body = mode === 'register' ? { name, response, next: widget.dataset.next } : { response, next: widget.dataset.next };
      const result = await post(endpoints.verify, body, texts);
      if (typeof result.redirect === 'string') window.location.assign(result.redirect);
    } catch (error) {
      busy(false);
      showError(messageFor(error, texts), error instanceof Refused ? error.field : undefined);
    }
  };

  const form = button.form;
  if (form && widget.contains(form)) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void run();
    });
  } else {
    button.addEventListener('click', () => void run());
  }
}

for (const widget of document.querySelectorAll<HTMLElement>('[data-passkey]')) setup(widget);
