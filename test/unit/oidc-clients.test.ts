import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientsFromCatalogue, demoClientSecret } from '#server/oidc/provider.ts';
import { DEFAULT_CATALOGUE_FILE, loadCatalogue } from '#server/organisation/catalogue.ts';
import { parseConfig } from '#server/platform/config.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SECRET = 's'.repeat(40);
const production = (extra: Record<string, string> = {}) =>
  parseConfig({
    APP_MODE: 'production',
    DATABASE_URL: 'postgres://x/y',
    SMTP_URL: 'smtp://x',
    PUBLIC_URL: 'https://portal.example',
    SECRET_KEY: 'k'.repeat(40),
    ...extra,
  });

/** A catalogue whose one service signs in through the portal. */
const withClient = (oidc: Record<string, unknown>, service: Record<string, unknown> = {}) => ({
  services: [
    {
      key: 'tider',
      name: 'Tider',
      description: 'd',
      url: 'https://tider.example/',
      oidc: { clientId: 'tider', redirectUris: ['https://tider.example/cb'], ...oidc },
      ...service,
    },
    { key: 'test', name: 'Tider (test)', description: 'd', url: 'https://test.tider.example/', rolesOf: 'tider' },
  ],
  areas: [{ key: 'A', name: 'A', requiresUndertaking: false, roles: [{ key: 'A_TIDER', name: 'Rapportera tider', service: 'tider' }] }],
});

describe('e-services that sign in through the portal', () => {
  let dir: ReturnType<typeof tempDir>;
  let file: string;
  const write = (content: unknown) => writeFileSync(file, JSON.stringify(content));
  beforeEach(() => {
    dir = tempDir('oidc-catalogue');
    file = path.join(dir.path, 'catalogue.json');
  });
  afterEach(() => dir.remove());

  it('registers a catalogue client with its secret from OIDC_CLIENT_SECRETS, never from the file', () => {
    write(withClient({ backchannelLogoutUri: 'https://tider.example/utloggning' }));
    const [client] = clientsFromCatalogue(loadCatalogue(file), production({ OIDC_CLIENT_SECRETS: `tider=${SECRET}` }));
    expect(client).toMatchObject({
      client_id: 'tider',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://tider.example/cb'],
      backchannel_logout_uri: 'https://tider.example/utloggning',
      backchannel_logout_session_required: true,
      response_types: ['code'],
    });
  });

  it('stops a production start when a client has no secret, naming the setting; the demo uses its public one', () => {
    write(withClient({}));
    expect(() => clientsFromCatalogue(loadCatalogue(file), production())).toThrow(/OIDC_CLIENT_SECRETS has no secret for the e-service tider/);
    expect(clientsFromCatalogue(loadCatalogue(file), parseConfig({}))[0].client_secret).toBe(demoClientSecret('tider'));
  });

  it('takes a private_key_jwt client with its JWKS address and no secret', () => {
    write(withClient({ authMethod: 'private_key_jwt', jwksUri: 'https://tider.example/jwks' }));
    const [client] = clientsFromCatalogue(loadCatalogue(file), production());
    expect(client).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://tider.example/jwks' });
    expect(client.client_secret).toBeUndefined();
    write(withClient({ authMethod: 'private_key_jwt' }));
    expect(() => loadCatalogue(file)).toThrow(/a private_key_jwt client needs jwksUri/);
  });

  it('refuses a bad secret list, a client id twice and roles of an unknown service', () => {
    expect(() => parseConfig({ OIDC_CLIENT_SECRETS: 'tider=kort' })).toThrow(/OIDC_CLIENT_SECRETS="tider=kort": must be client-id=secret pairs/);
    const twice = withClient({});
    twice.services[1] = { ...twice.services[0], key: 'andra' };
    write(twice);
    expect(() => loadCatalogue(file)).toThrow(/client id tider appears twice/);
    write({ ...withClient({}), services: [withClient({}).services[0], { ...withClient({}).services[1], rolesOf: 'saknas' }] });
    expect(() => loadCatalogue(file)).toThrow(/service test takes the roles of unknown service saknas/);
  });

  it('keeps the example e-service of the default catalogue to demo mode', () => {
    expect(loadCatalogue(DEFAULT_CATALOGUE_FILE, { demo: true }).services.some((service) => service.key === 'exempeltjanst')).toBe(true);
    expect(loadCatalogue(DEFAULT_CATALOGUE_FILE, { demo: false }).services.some((service) => service.key === 'exempeltjanst')).toBe(false);
    expect(clientsFromCatalogue(loadCatalogue(DEFAULT_CATALOGUE_FILE, { demo: false }), production())).toEqual([]);
  });
});
