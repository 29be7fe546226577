/**
 * `Retry-After` (RFC 9110 section 10.2.3): delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`). Pure.
 */

/** How long from `now` the receiver asks to wait, in ms (0 for a date past), or undefined when the header is absent or neither form. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  // Date.parse takes far more than HTTP-dates ("2026" alone); an HTTP-date always names its weekday and GMT
  if (!/^[A-Za-z]{3},? .*GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
