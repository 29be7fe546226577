import { checkedTags, parseDeviceTags } from './device-tags';

describe('device tags', () => {
  it('read k=v pairs, values may hold =', () => {
    expect(parseDeviceTags('model=EM24, firmware=1.2.3,expr=a=b')).toEqual({ model: 'EM24', firmware: '1.2.3', expr: 'a=b' });
    expect(parseDeviceTags('')).toEqual({});
  });

  it('refuse a pair without a key, and values that are not strings', () => {
    expect(() => parseDeviceTags('model')).toThrow('tag "model" is not key=value');
    expect(() => parseDeviceTags('=x')).toThrow('tag "=x" is not key=value');
    expect(() => checkedTags({ n: 1 })).toThrow('tag "n" needs a non-empty key and a string value');
    expect(() => checkedTags(['a'])).toThrow('tags are an object of strings');
  });
});
