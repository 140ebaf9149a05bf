/**
 * Search in the handbook with Pagefind's index, built from the static pages. The form
 * stays a plain form; this script answers it in place and announces the result count.
 */
interface PagefindResult {
  data(): Promise<{ url: string; meta: { title?: string }; excerpt: string }>;
}
interface Pagefind {
  search(query: string): Promise<{ results: PagefindResult[] }>;
}

const box = document.querySelector<HTMLElement>('[data-handbook-search]');
if (box) {
  const form = box.querySelector('form')!;
  const input = box.querySelector<HTMLInputElement>('input[type="search"]')!;
  const results = box.querySelector<HTMLElement>('[data-results]')!;
  box.querySelector<HTMLElement>('[data-no-js]')?.remove();
  let pagefind: Promise<Pagefind> | undefined;
  const load = () => (pagefind ??= import(/* @vite-ignore */ '/pagefind/pagefind.js' as string) as Promise<Pagefind>);

  const show = async (query: string) => {
    results.replaceChildren();
    if (!query.trim()) return;
    const found = await (await load()).search(query);
    const items = await Promise.all(found.results.slice(0, 10).map((result) => result.data()));
    const status = document.createElement('p');
    status.textContent = items.length ? (results.dataset.countTemplate ?? '').replace('{count}', String(found.results.length)) : (results.dataset.none ?? '');
    const list = document.createElement('ul');
    list.className = 'search-results';
    for (const item of items) {
      const li = document.createElement('li');
      const link = document.createElement('a');
      link.href = item.url.replace(/\.html$/, '').replace(/\/(index)?$/, '') || '/';
      link.textContent = item.meta.title ?? item.url;
      const excerpt = document.createElement('p');
      // Pagefind marks the hits with <mark>; the rest of its excerpt is text from our own pages.
      excerpt.textContent = item.excerpt.replace(/<\/?mark>/g, '');
      li.append(link, excerpt);
      list.append(li);
    }
    results.append(status, list);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = new URL(window.location.href);
    url.searchParams.set('sok', input.value);
    history.replaceState(null, '', url);
    void show(input.value);
  });
  const initial = new URL(window.location.href).searchParams.get('sok');
  if (initial) {
    input.value = initial;
    void show(initial);
  }
}
