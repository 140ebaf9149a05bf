/** Time and size of the application documents, generated in this process as the server does. */
import { parseConfig } from '#server/platform/config.ts';
import { applicationPdf, undertakingPdf } from '#server/pdf/application.ts';
import { sampleApplication } from '../helpers/sample-application.ts';
import { check, percentile } from './lib.ts';

const RUNS = 60;
export default async function bench(): Promise<void> {
  const config = parseConfig({});
  const application = sampleApplication();
  for (const [label, make] of [
    ['Ansökan om användarkonto', () => applicationPdf(application, config)],
    ['Ansvarsförbindelse', () => undertakingPdf(application, 'YH', config)],
  ] as const) {
    await make(); // the font is parsed once per process
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      size = (await make()).length;
      times.push(performance.now() - started);
    }
    console.log(
      `${label}: median ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms over ${RUNS} runs, ${(size / 1024).toFixed(1)} KB`,
    );
    check(`6. PDF ${label}, median`, `${percentile(times, 0.5).toFixed(1)} ms`, '≤ 25 ms', percentile(times, 0.5) <= 25);
  }
}
