// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import { unified } from '@astrojs/markdown-remark';
import { config } from './src/server/platform/config.ts';
import { remarkHandbook } from '#server/handbook/remark.ts';

export default defineConfig({
  // Static-first: pages are prerendered unless they say `export const prerender = false`.
  output: 'static',
  // Our own server (src/server/runtime/http-server.ts) wraps the adapter's handler.
  adapter: node({ mode: 'middleware', bodySizeLimit: 256 * 1024 }),
  site: config().publicUrl.href,
  trailingSlash: 'ignore',
  build: {
    // External stylesheets only: the Content-Security-Policy forbids inline styles.
    inlineStylesheets: 'never',
  },
  security: {
    // The front server (src/server/runtime/http-server.ts) presents every request with
    // PUBLIC_URL's scheme and host, so this check compares Origin with PUBLIC_URL.
    checkOrigin: true,
    // The front server also replaces X-Forwarded-For with the client address resolved
    // through the trusted proxies and drops every other forwarded header: Astro may take it.
    allowedDomains: [{}],
  },
  vite: {
    build: {
      // No data: URLs for scripts or fonts either: every asset is a file under /_astro.
      assetsInlineLimit: 0,
    },
  },
  markdown: {
    // Numbers and names in the handbook come from the configuration, at build time.
    processor: unified({ remarkPlugins: [remarkHandbook] }),
  },
  devToolbar: { enabled: false },
});
