import { redactCredentials } from './execution-history';

describe('redactCredentials', () => {
  it('hides every field named for a credential, at any depth, and keeps a secretRef and everything else', () => {
    expect(
      redactCredentials({
        url: 'https://hooks.example.com',
        secret: 'whsec_x',
        secretRef: 'ops-hooks',
        headers: { Authorization: 'Bearer t', 'X-Api-Key': 'k', 'X-Team': 'ops' },
        smtp: { password: 'p', user: 'u' },
        list: [{ token: 't' }],
      }),
    ).toEqual({
      url: 'https://hooks.example.com',
      secret: '***',
      secretRef: 'ops-hooks',
      headers: { Authorization: '***', 'X-Api-Key': '***', 'X-Team': 'ops' },
      smtp: { password: '***', user: 'u' },
      list: [{ token: '***' }],
    });
  });
});
