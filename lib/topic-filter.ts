/**
 * MQTT topic filters (MQTT 5.0 section 4.7): `+` stands for one level, `#` as
 * the last level for any number of levels (none included: `a/#` matches `a`),
 * and a wildcard at the first level does not match a topic starting with `$`
 * (`$SYS`, `$share`). The broker plugin's `filter_matches`
 * (broker/plugin/access_rules.c) is the same rule in C. Pure: no I/O.
 */

/** Whether `filter` matches the topic name `topic`. */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i]!;
    if (level === '#') return !(i === 0 && topic.startsWith('$'));
    if (i >= topicLevels.length) return false;
    if (level === '+') {
      if (i === 0 && topic.startsWith('$')) return false;
    } else if (level !== topicLevels[i]) {
      return false;
    }
  }
  return filterLevels.length === topicLevels.length;
}

/** Whether `topic` is a topic name a client may publish to: not empty, no wildcard, no NUL. */
export function isTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes('+') && !topic.includes('#') && !topic.includes('\u0000');
}
