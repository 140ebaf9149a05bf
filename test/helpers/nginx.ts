import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.ts';
import { tempDir } from './temp-dir.ts';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const OPENSSL = process.env.OPENSSL_PATH ?? '/usr/bin/openssl';

/** The site configuration the README shows; the deployment test renders this very file. */
export const NGINX_TEMPLATE = path.resolve('docs/deploy/nginx.conf.template');

export interface TestProxy {
  /** `https://127.0.0.1:<port>`, the portal's PUBLIC_URL. */
  url: string;
  port: number;
  /** The self-signed certificate (PEM), to trust it in a client. */
  certificate: string;
  /** The address nginx connects to the instances from: the one hop TRUST_PROXY names. */
  upstreamAddress: string;
  /** Points the upstreams at the instances and starts nginx. */
  start(upstreams: [string, string]): Promise<void>;
  stop(): Promise<void>;
}

/** Fills the template's `${NAME}` placeholders; an unknown placeholder is a mistake, not nginx syntax. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`nginx template: no value for \${${name}}`);
    return values[name];
  });
}

/**
 * Debian's nginx as a TLS-terminating load balancer, run as a child process from a temp
 * prefix (no root paths), with a self-signed certificate for 127.0.0.1 made now. The port
 * is chosen first, because PUBLIC_URL must be known before the instances start.
 * Without nginx or openssl it fails with one line saying what to install.
 */
export async function prepareProxy(): Promise<TestProxy> {
  if (!existsSync(NGINX)) throw new Error(`No nginx at ${NGINX}: install it with "apt-get install -y nginx" (or set NGINX_PATH).`);
  if (!existsSync(OPENSSL)) throw new Error(`No openssl at ${OPENSSL}: install it with "apt-get install -y openssl" (or set OPENSSL_PATH).`);
  const dir = tempDir('nginx');
  const port = await freePort();
  const cert = path.join(dir.path, 'cert.pem');
  const key = path.join(dir.path, 'key.pem');
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  for (const sub of ['logs', 'temp']) mkdirSync(path.join(dir.path, sub));
  // Connecting from 127.0.0.2 gives the proxy an address of its own, as a real load
  // balancer has: the test clients (127.0.0.1) are then not mistaken for the trusted hop.
  const upstreamAddress = '127.0.0.2';
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    certificate: readFileSync(cert, 'utf8'),
    upstreamAddress,
    async start(upstreams) {
      const site = renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), {
        PORTAL_1: upstreams[0],
        PORTAL_2: upstreams[1],
        LISTEN: `127.0.0.1:${port}`,
        SERVER_NAME: '127.0.0.1',
        TLS_CERTIFICATE: cert,
        TLS_CERTIFICATE_KEY: key,
      });
      writeFileSync(path.join(dir.path, 'site.conf'), site);
      const temp = (name: string) => path.join(dir.path, 'temp', name);
      writeFileSync(
        path.join(dir.path, 'nginx.conf'),
        [
          'worker_processes 1;',
          `pid ${path.join(dir.path, 'nginx.pid')};`,
          `error_log ${path.join(dir.path, 'logs', 'error.log')} warn;`,
          'events { worker_connections 256; }',
          'http {',
          `  access_log ${path.join(dir.path, 'logs', 'access.log')};`,
          `  client_body_temp_path ${temp('body')};`,
          `  proxy_temp_path ${temp('proxy')};`,
          `  fastcgi_temp_path ${temp('fastcgi')};`,
          `  uwsgi_temp_path ${temp('uwsgi')};`,
          `  scgi_temp_path ${temp('scgi')};`,
          `  proxy_bind ${upstreamAddress};`,
          `  include ${path.join(dir.path, 'site.conf')};`,
          '}',
          '',
        ].join('\n'),
      );
      const args = ['-p', dir.path, '-c', path.join(dir.path, 'nginx.conf'), '-e', path.join(dir.path, 'logs', 'error.log'), '-g', 'daemon off;'];
      child = spawn(NGINX, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const exited = new Promise<never>((_, reject) =>
        child!.once('exit', (code) => reject(new Error(`nginx exited with ${code}: ${output}${readLog(dir.path)}`))),
      );
      await Promise.race([exited, waitForPort(port)]);
    },
    async stop() {
      if (child && child.exitCode === null) {
        const gone = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGQUIT');
        await gone;
      }
      dir.remove();
    },
  };
}

function readLog(dir: string): string {
  const file = path.join(dir, 'logs', 'error.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on ${port}`);
}
