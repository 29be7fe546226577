import { FleetstreamError } from '../../lib/errors';

/**
 * A malformed query: where (0-based character offset into the query text), what
 * the parser expected there, and what it found instead.
 */
export class QuerySyntaxError extends FleetstreamError {
  readonly position: number;
  readonly expected: string[];
  readonly found: string;

  constructor(position: number, expected: string[], found: string, detail?: string) {
    const wanted = expected.length === 1 ? expected[0] : `one of ${expected.join(', ')}`;
    super('QUERY_SYNTAX', `at position ${position}: expected ${wanted}, found ${found}${detail ? ` (${detail})` : ''}`);
    this.name = 'QuerySyntaxError';
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}
