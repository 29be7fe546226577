import { Agent } from 'node:https';
import { z } from 'zod';
import { fakeFiles } from '../test/fake-files';
import { readComponentOptions } from './config';
import { registrySecurity, registrySecurityOptions } from './registry-security';

const read = fakeFiles({ '/registry-ca.pem': 'CA' });

/** The options as a component reads them from its environment, mapped to the Confluent client's config. */
function fromEnvironment(env: Record<string, string>) {
  const { options } = readComponentOptions(z.strictObject(registrySecurityOptions), { name: 'test', envPrefix: '' }, env);
  return registrySecurity(options, read);
}

/**
 * Unit tests only: the local stack's registry (Apicurio) takes no HTTP basic
 * auth without an OIDC server, so the credentials' way to a real registry is
 * the client's (its USER_INFO source becomes the Authorization header).
 */
describe('registrySecurity', () => {
  it('adds nothing by default', () => {
    expect(fromEnvironment({})).toEqual({});
  });

  it('maps the username and password to basic-auth USER_INFO', () => {
    expect(fromEnvironment({ SCHEMA_REGISTRY_USERNAME: 'fleet', SCHEMA_REGISTRY_PASSWORD: 'p:w' })).toEqual({ basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'fleet:p:w' } });
  });

  it('verifies an https registry against SCHEMA_REGISTRY_CA_FILE', () => {
    const { createAxiosDefaults } = fromEnvironment({ SCHEMA_REGISTRY_CA_FILE: '/registry-ca.pem' });
    const agent = createAxiosDefaults?.httpsAgent as Agent;
    expect(agent).toBeInstanceOf(Agent);
    expect(agent.options.ca).toEqual(Buffer.from('CA'));
  });

  it.each([
    ['a username without a password', { SCHEMA_REGISTRY_USERNAME: 'fleet' }, /SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together/],
    ['a username with a colon', { SCHEMA_REGISTRY_USERNAME: 'a:b', SCHEMA_REGISTRY_PASSWORD: 'p' }, /SCHEMA_REGISTRY_USERNAME: HTTP basic auth cannot carry a username with ':'/],
    ['a CA file that cannot be read', { SCHEMA_REGISTRY_CA_FILE: '/missing.pem' }, /SCHEMA_REGISTRY_CA_FILE: cannot read \/missing.pem/],
  ])('refuses %s with CONFIG_INVALID naming the variable', (_what, env, message) => {
    expect(() => fromEnvironment(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
  });
});
