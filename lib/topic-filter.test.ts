import { isTopicName, topicMatches } from './topic-filter';

describe('topic filters', () => {
  it.each([
    ['fleet/+/+/+/up', 'fleet/a/b/c/up', true],
    ['fleet/+/+/+/up', 'fleet/a/b/up', false],
    ['fleet/a/#', 'fleet/a', true],
    ['fleet/a/#', 'fleet/a/b/c', true],
    ['#', 'fleet/a', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['shadow/+/accepted', 'shadow/update/accepted', true],
    ['shadow/+/accepted', 'shadow/update/delta', false],
    ['config', 'config/ack', false],
    ['config', 'config', true],
    ['cmd/req/#', 'cmd/req', true],
    ['cmd/req/#', 'cmd/res/x/succeeded', false],
    ['a/b', 'a/b/c', false],
  ])('%s matches %s: %s (as the broker plugin decides)', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('tells topic names from filters', () => {
    expect(isTopicName('fleet/a/b/c/config')).toBe(true);
    expect(isTopicName('fleet/+/b')).toBe(false);
    expect(isTopicName('fleet/#')).toBe(false);
    expect(isTopicName('')).toBe(false);
    expect(isTopicName('a\u0000b')).toBe(false);
  });
});
