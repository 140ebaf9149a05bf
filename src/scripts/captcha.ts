// The widget's build without inline styles or inline workers, so the strict CSP holds.
import 'altcha/external';
import 'altcha/i18n/sv';
import shaWorker from 'altcha/workers/sha?url';

globalThis.$altcha.algorithms.set('SHA-256', () => new Worker(shaWorker));
