/**
 * The MQTT topic scheme devices publish on, such as
 * `fleet/{tenant}/{site}/{device}/up`: literal segments and the three
 * placeholders, each standing for exactly one topic level.
 */
import type { DeviceAddress } from '../../schemas/series-path';

const placeholders = ['tenant', 'site', 'device'] as const;
type Placeholder = (typeof placeholders)[number];

export interface TopicScheme {
  /** The subscription filter: the scheme with `+` for each placeholder. */
  filter: string;
  /** The device a topic belongs to, or undefined when the topic is outside the scheme. */
  match(topic: string): DeviceAddress | undefined;
}

export function parseTopicScheme(scheme: string): TopicScheme {
  const levels = scheme.split('/');
  const slots = levels.map((level) => {
    const name = /^\{(\w+)\}$/.exec(level)?.[1];
    if (name === undefined) {
      if (/[{}+#]/.test(level)) throw new Error(`topic scheme "${scheme}": level "${level}" must be a literal or one of {tenant}, {site}, {device}`);
      return { literal: level };
    }
    if (!(placeholders as readonly string[]).includes(name)) throw new Error(`topic scheme "${scheme}": unknown placeholder {${name}}`);
    return { placeholder: name as Placeholder };
  });
  for (const p of placeholders) {
    const count = slots.filter((s) => s.placeholder === p).length;
    if (count !== 1) throw new Error(`topic scheme "${scheme}": needs {${p}} exactly once`);
  }
  return {
    filter: slots.map((s) => (s.placeholder ? '+' : s.literal)).join('/'),
    match(topic) {
      const parts = topic.split('/');
      if (parts.length !== slots.length) return undefined;
      const address: Partial<DeviceAddress> = {};
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const part = parts[i]!;
        if (slot.placeholder) address[slot.placeholder] = part;
        else if (slot.literal !== part) return undefined;
      }
      return address as DeviceAddress;
    },
  };
}
