/**
 * `npm start`: builds when needed, then runs the whole portal in this process.
 * With no settings it runs the demo on embedded Postgres and the SMTP sink.
 */
// First: it sizes the thread pool before anything starts it.
import './thread-pool.ts';
import { ensureBuilt } from '#server/runtime/build-check.ts';
import { ConfigError, config as loadConfig, type Config } from '#server/platform/config.ts';
import { startPortal } from '#server/runtime/portal.ts';
import { oidcPage } from '#web/oidc-pages.ts';
import { t } from '#web/i18n.ts';
import { loginFormHandler } from '#web/password-login.ts';
import { DEMO_PASSWORD, DEMO_PEOPLE } from '#server/runtime/seed.ts';
import { loadCatalogue } from '#server/organisation/catalogue.ts';
import { demoClientSecret, OIDC_PREFIX } from '#server/oidc/provider.ts';
import { startExampleService } from '../../examples/exempeltjanst/server.ts';

/** Demo mode: the example e-service of the catalogue runs beside the portal, on the port its address names. */
async function startDemoExample(settings: Config): Promise<string | undefined> {
  const service = loadCatalogue(settings.catalogueFile).services.find((candidate) => candidate.oidc?.clientId === 'exempeltjanst');
  if (!service?.oidc) return undefined;
  const base = new URL(service.url);
  try {
    await startExampleService({
      issuer: new URL(OIDC_PREFIX, settings.publicUrl).href,
      clientId: service.oidc.clientId,
      clientSecret: settings.oidcClientSecrets[service.oidc.clientId] ?? demoClientSecret(service.oidc.clientId),
      baseUrl: base.origin,
      port: Number(base.port) || 80,
    });
    return base.href;
  } catch (error) {
    console.error(`Exempeltjänsten kunde inte starta: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

const settings = readConfig();
try {
  if (process.env.SKIP_BUILD_CHECK !== 'true') ensureBuilt(process.cwd(), settings, (line) => console.log(line), process.env);
  const portal = await startPortal(settings, { pages: oidcPage, apiText: t, loginForm: loginFormHandler });
  const example = settings.exampleService ? await startDemoExample(settings) : undefined;
  const lines = [
    '',
    `Anordnarportalen är igång: ${portal.url}`,
    ...(settings.demo
      ? [
          `Demobrevlåda (all e-post i demoläget): ${portal.mailboxUrl}`,
          settings.databaseUrl ? '' : `Inbyggd PostgreSQL, data i ${settings.dataDir}/postgres`,
          `Demoinloggningar (lösenord "${DEMO_PASSWORD}"):`,
          ...DEMO_PEOPLE.map((person) => `  ${person.username}  ${person.who}`),
        ]
      : []),
    ...(example ? [`Exempeltjänsten (loggar in via portalen): ${example}`] : []),
    'Avsluta med Ctrl+C.',
    '',
  ];
  console.log(lines.filter((line, index) => line !== '' || index === 0 || index === lines.length - 1).join('\n'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stänger av …`);
    await portal.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A crash must not orphan the embedded Postgres: stop everything, then exit with an error.
  process.on('uncaughtException', (error) => {
    console.error(error);
    void portal.stop().finally(() => process.exit(1));
  });
} catch (error) {
  console.error(`Anordnarportalen could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
