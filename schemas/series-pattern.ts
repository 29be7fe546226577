/**
 * Path patterns of alert rules: a series path (`/<tenant>/<site>/<device>/<metric>`)
 * where a segment may be `*` (any one segment) or `**` (any number of
 * segments, none included). `/acme/plant1/* /temperature` (without the
 * space) selects every device's temperature at plant1. Pure.
 */
export type PathMatcher = (path: string) => boolean;

export function segmentsOf(path: string): string[] {
  return path.split('/').slice(1);
}

/** Why a pattern is not one, or undefined when it is. */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'must start with /';
  const segments = segmentsOf(pattern);
  if (segments.some((s) => s.length === 0)) return 'has an empty segment';
  if (segments.some((s) => s !== '*' && s !== '**' && s.includes('*'))) return 'uses * inside a segment: * and ** stand for whole segments';
  return undefined;
}

export function compilePattern(pattern: string): PathMatcher {
  const wanted = segmentsOf(pattern);
  return (path) => matches(wanted, 0, segmentsOf(path), 0);
}

function matches(wanted: readonly string[], w: number, segments: readonly string[], s: number): boolean {
  for (; w < wanted.length; w++, s++) {
    const want = wanted[w]!;
    if (want === '**') {
      for (let skip = s; skip <= segments.length; skip++) if (matches(wanted, w + 1, segments, skip)) return true;
      return false;
    }
    if (s >= segments.length || (want !== '*' && want !== segments[s])) return false;
  }
  return s === segments.length;
}
