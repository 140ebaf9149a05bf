/**
 * `npm start`: builds when needed, then runs the whole portal in this process.
 * With no settings it runs the demo on embedded Postgres and the SMTP sink.
 */
import { ensureBuilt } from '#server/runtime/build-check.ts';
import { ConfigError, config as loadConfig, type Config } from '#server/platform/config.ts';
import { startPortal } from '#server/runtime/portal.ts';
import { DEMO_PASSWORD, DEMO_PEOPLE } from '#server/runtime/seed.ts';

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
  const portal = await startPortal(settings);
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
