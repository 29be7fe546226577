import { parseBasicCredentials } from './basic-credentials';

const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('HTTP Basic credentials', () => {
  it('splits at the first colon: the password may hold colons, the device name slashes', () => {
    expect(parseBasicCredentials(header('acme/p1/meter-7:pa:ss'))).toEqual({ username: 'acme/p1/meter-7', password: 'pa:ss' });
    expect(parseBasicCredentials(`basic  ${Buffer.from('a/b/c:x').toString('base64')} `)).toEqual({ username: 'a/b/c', password: 'x' });
  });

  it('keeps an empty password, which then fails verification, and refuses an empty username', () => {
    expect(parseBasicCredentials(header('a/b/c:'))).toEqual({ username: 'a/b/c', password: '' });
    expect(parseBasicCredentials(header(':secret'))).toBeUndefined();
    expect(parseBasicCredentials(header('no colon'))).toBeUndefined();
  });

  it('takes no other scheme and nothing malformed', () => {
    expect(parseBasicCredentials(undefined)).toBeUndefined();
    expect(parseBasicCredentials('Bearer fst_abc')).toBeUndefined();
    expect(parseBasicCredentials('Basic')).toBeUndefined();
    expect(parseBasicCredentials('Basic not base64!')).toBeUndefined();
  });
});
