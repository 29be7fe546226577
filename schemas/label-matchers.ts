/**
 * Label matchers in Alertmanager's syntax (its `matchers:` lists): `name=value`,
 * `name!=value`, `name=~regex`, `name!~regex`, the value bare or double-quoted
 * (`\"`, `\\` and `\n` escaped inside quotes). Alertmanager's semantics: a
 * regex is anchored at both ends (`=~"warn|crit"` does not match `critical`),
 * and a label the alert does not have reads as the empty string, so `team=""`
 * matches alerts without a team and `team!=""` those with one. Pure.
 */

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  operator: MatchOperator;
  value: string;
  /** for =~ and !~: the value, anchored */
  regex?: RegExp;
}

export type Labels = Readonly<Record<string, string>>;

const matcherPattern = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** The matcher `text` writes, or why it is none. */
export function parseMatcher(text: string): LabelMatcher | string {
  const match = matcherPattern.exec(text);
  if (!match) return `${JSON.stringify(text)} is no matcher: write name=value, name!=value, name=~regex or name!~regex`;
  const [, name, operator, raw] = match as unknown as [string, string, MatchOperator, string];
  const value = unquote(raw);
  if (value === undefined) return `${JSON.stringify(text)}: an unterminated or badly escaped quoted value`;
  if (operator === '=~' || operator === '!~') {
    try {
      return { name, operator, value, regex: new RegExp(`^(?:${value})$`, 'su') };
    } catch (error) {
      return `${JSON.stringify(text)}: the regex does not compile (${(error as Error).message})`;
    }
  }
  return { name, operator, value };
}

function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c === '"') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === 'n') out += '\n';
    else if (next === '"' || next === '\\') out += next;
    else return undefined;
  }
  return out;
}

export function matches(matcher: LabelMatcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}

/** Whether every matcher matches (an empty list matches everything). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every((m) => matches(m, labels));
}

/** The matcher as Alertmanager prints it: `name="value"`. */
export function matcherText(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.operator}${JSON.stringify(matcher.value)}`;
}
