/**
 * A browser's User-Agent header as a person recognises it: "Chrome på Linux", "Safari på
 * iPhone". A few lines for the browsers and systems people use, in the order the headers
 * need (Edge and Opera name Chrome too, Chrome names Safari); anything else is "Okänd
 * webbläsare" rather than a raw header nobody can read.
 */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/(\b|Headless)Chrom(e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'Mac'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

export interface Device {
  browser?: string;
  system?: string;
}

export function parseUserAgent(agent: string | null | undefined): Device {
  const text = agent ?? '';
  return {
    browser: BROWSERS.find(([pattern]) => pattern.test(text))?.[1],
    system: SYSTEMS.find(([pattern]) => pattern.test(text))?.[1],
  };
}

/** "Chrome på Linux", "Firefox", "Okänd webbläsare på Windows". */
export function describeUserAgent(agent: string | null | undefined): string {
  const { browser, system } = parseUserAgent(agent);
  if (!browser && !system) return 'Okänd webbläsare';
  return system ? `${browser ?? 'Okänd webbläsare'} på ${system}` : browser!;
}

/**
 * Where an event came from, as the log keeps it (an IPv4 address without its last part, an
 * IPv6 network, or a hash): "samma nätverk som du använder nu" when it matches the reader's
 * own, otherwise the kept part with the missing part written as x.
 */
export function describeClient(client: string, current: string): string {
  if (!client) return 'Okänt';
  if (client === current) return 'Samma nätverk som du använder nu';
  if (/^\d+\.\d+\.\d+\.0$/.test(client)) return `Nätverket ${client.replace(/\.0$/, '.x')}`;
  if (client.endsWith('::/48')) return `Nätverket ${client.replace(/::\/48$/, ':…')}`;
  return 'Ett annat nätverk';
}
