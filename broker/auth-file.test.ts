import { brokerPasswordHash } from '../registry/broker-password-hash';
import { authFileText, parseAuthFile } from './auth-file';

// written by mosquitto_passwd 2.0.11
const passwdLine = 'acme/site-1/dev:$7$101$GknRItUc/ABU26ij$rxyUWWS2kzSrXMEQ5I0pAuqhP+KwnwJcx4m6jeawlUa5yNNjlvHeZbTG9BPUcQjxaXRV2dwFCIaReNUwhK8XyQ==';

describe('the auth file', () => {
  it("holds one '<username>:<hash>' line per account, the registry's hash as it is", () => {
    const hash = brokerPasswordHash('secret');
    expect(authFileText([{ username: 'svc', passwordHash: hash }, { username: 'a/b:c/d', passwordHash: hash }])).toBe(`svc:${hash}\na/b:c/d:${hash}\n`);
  });

  it("reads mosquitto_passwd's lines, and usernames up to the last ':'", () => {
    const hash = brokerPasswordHash('secret');
    expect(parseAuthFile(`# accounts\n${passwdLine}\r\n\na/b:c/d:${hash}`)).toEqual([
      { username: 'acme/site-1/dev', passwordHash: passwdLine.slice(passwdLine.indexOf(':') + 1) },
      { username: 'a/b:c/d', passwordHash: hash },
    ]);
  });

  it('names the line that is no account', () => {
    expect(() => parseAuthFile(`${passwdLine}\nbroken\n`, 'services')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('services, line 2') }));
  });

  it.each([
    ['a username given twice', [passwdLine, passwdLine]],
    ['a hash that is not $7$', ['a/b/c:$6$salt$hash']],
    ['a line break in a username', [`a\nb:${passwdLine.split(':')[1]}`]],
    ['an empty username', [`:${passwdLine.split(':')[1]}`]],
  ])('refuses %s', (_, lines) => {
    const entries = lines.map((line) => ({ username: line.slice(0, line.lastIndexOf(':')), passwordHash: line.slice(line.lastIndexOf(':') + 1) }));
    expect(() => authFileText(entries)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
