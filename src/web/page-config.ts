import { type Config, config } from '#server/platform/config.ts';

/**
 * The settings a layout or page shows. On-demand requests carry the process's context;
 * prerendered pages are rendered at build time, where the build's configuration is read.
 */
export function pageConfig(locals: App.Locals): Config {
  const app: App.Locals['app'] | undefined = locals.app;
  return app?.config ?? config();
}
