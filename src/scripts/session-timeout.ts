/**
 * Warns before automatic logout and offers to stay. The time left always comes from
 * the server; tabs tell each other when one of them stayed, so staying in one tab stays
 * in all. Announced to screen readers sparingly: every 15 s, every 5 s in the last 20 s.
 */
const dialog = document.querySelector<HTMLDialogElement>('[data-session-dialog]');
const offline = document.querySelector<HTMLElement>('[data-offline-banner]');
const serverError = document.querySelector<HTMLElement>('[data-error-banner]');

type Remaining = { idleSeconds: number; absoluteSeconds: number };

if (dialog) {
  const warning = Number(dialog.dataset.warningSeconds) * 1000;
  const text = dialog.querySelector<HTMLElement>('#session-dialog-text')!;
  const announcer = dialog.querySelector<HTMLElement>('[data-session-announcer]')!;
  const stay = dialog.querySelector<HTMLButtonElement>('[data-session-stay]')!;
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('anordnarportalen-session') : undefined;
  let idleDeadline = Infinity;
  let absoluteDeadline = Infinity;
  let lastAnnounced = Infinity;
  let checking = false;

  const format = (ms: number) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    const parts = [
      minutes > 0 ? `${minutes} ${minutes === 1 ? 'minut' : 'minuter'}` : '',
      rest > 0 || minutes === 0 ? `${rest} ${rest === 1 ? 'sekund' : 'sekunder'}` : '',
    ];
    return parts.filter(Boolean).join(' och ');
  };

  const leave = (reason: 'inaktiv' | 'maxtid') => window.location.assign(`/logga-in?utloggad=${reason}`);

  const apply = (data: Remaining) => {
    idleDeadline = Date.now() + data.idleSeconds * 1000;
    absoluteDeadline = Date.now() + data.absoluteSeconds * 1000;
    // Says the countdown runs on the server's figures (tests wait for it).
    dialog.dataset.ready = 'true';
  };

  const request = async (method: 'GET' | 'POST'): Promise<boolean> => {
    try {
      const response = await fetch('/api/session', { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (serverError) serverError.hidden = response.status < 500;
      if (response.status === 401) {
        const body = (await response.json().catch(() => ({}))) as { ended?: string };
        leave(body.ended === 'absolute' ? 'maxtid' : 'inaktiv');
        return false;
      }
      if (!response.ok) return false;
      apply((await response.json()) as Remaining);
      return true;
    } catch {
      // Offline: the banner says so; the local countdown goes on.
      return false;
    }
  };

  const close = () => {
    if (dialog.open) dialog.close();
    lastAnnounced = Infinity;
  };

  const extend = async () => {
    if (absoluteDeadline - Date.now() <= warning) return close();
    if (await request('POST')) {
      channel?.postMessage('extended');
      close();
    }
  };

  const tick = async () => {
    const now = Date.now();
    const absoluteFirst = absoluteDeadline <= idleDeadline;
    const left = Math.min(idleDeadline, absoluteDeadline) - now;
    if (left <= warning && !checking) {
      // Another tab may have stayed: ask the server before warning or leaving.
      if (!dialog.open || left <= 0) {
        checking = true;
        const answered = await request('GET');
        checking = false;
        if (answered && Math.min(idleDeadline, absoluteDeadline) - Date.now() > warning) return close();
        if (left <= 0 && answered) return leave(absoluteFirst ? 'maxtid' : 'inaktiv');
      }
      const template = (absoluteFirst ? text.dataset.absoluteText : text.dataset.idleText) ?? '';
      text.textContent = template.replace('{time}', format(left));
      stay.textContent = (absoluteFirst ? stay.dataset.okLabel : stay.dataset.stayLabel) ?? '';
      if (!dialog.open) {
        dialog.showModal();
        stay.focus();
        announcer.textContent = text.textContent;
        lastAnnounced = left;
      } else if (lastAnnounced - left >= (left <= 20_000 ? 5_000 : 15_000)) {
        announcer.textContent = text.textContent;
        lastAnnounced = left;
      }
    } else if (dialog.open && left > warning) {
      close();
    }
  };

  stay.addEventListener('click', () => void extend());
  // Escape means stay.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    void extend();
  });
  channel?.addEventListener(
    'message',
    () => void request('GET').then((ok) => ok && Math.min(idleDeadline, absoluteDeadline) - Date.now() > warning && close()),
  );

  void request('GET');
  setInterval(() => void tick(), 1000);
  setInterval(() => {
    if (!dialog.open) void request('GET');
  }, 15_000);
}

const showOffline = () => {
  if (offline) offline.hidden = navigator.onLine;
};
window.addEventListener('online', showOffline);
window.addEventListener('offline', showOffline);
showOffline();
