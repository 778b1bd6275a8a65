// Values as Logs Insights treats them: loose comparison, natural sort order, and the text GetQueryResults returns.

/** A field's value; null is "the event has no such field". Dates are instants (@timestamp, bin()). */
export type Value = string | number | boolean | Date | null;

/** One row flowing through the pipeline: an event's fields, or one group after stats. */
export type Row = Record<string, Value>;

const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number when the value is one or reads as one ("420"); null otherwise. Logs Insights compares and sums such text as numbers. */
export function toNumber(value: Value): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return NUMERIC_TEXT.test(value) ? Number(value) : null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** GetQueryResults' timestamp text: `2024-06-10 09:00:00.000`, UTC. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

export function formatValue(value: Exclude<Value, null>): string {
  if (value instanceof Date) return formatTimestamp(value.getTime());
  return String(value);
}

/**
 * Compares two present values for `=`, `<`, ...: as numbers when both are or read as numbers, else as text.
 * Returns NaN when either is missing, so every comparison with a missing field is false.
 */
export function compareLoose(a: Value, b: Value): number {
  if (a === null || b === null) return NaN;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== null && y !== null) return x - y;
  const s = typeof a === 'string' ? a : formatValue(a);
  const t = typeof b === 'string' ? b : formatValue(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

/** Splits text into runs of digits and of non-digits for natural ordering. */
const CHUNKS = /\d+|\D+/g;

function naturalCompare(a: string, b: string): number {
  const x = a.match(CHUNKS) ?? [];
  const y = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === q) continue;
    const pDigits = p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57;
    const qDigits = q.charCodeAt(0) >= 48 && q.charCodeAt(0) <= 57;
    // AWS orders digit runs by length first, then by value; everything else by Unicode code point.
    if (pDigits && qDigits && p.length !== q.length) return p.length - q.length;
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The ascending order of `sort` (AWS's "updated natural sort"): text before numbers, numbers by value, text in natural
 * order. Missing values are placed by the caller (always last).
 */
export function sortCompare(a: Exclude<Value, null>, b: Exclude<Value, null>): number {
  const x = typeof a === 'number' || a instanceof Date ? toNumber(a) : typeof a === 'string' && NUMERIC_TEXT.test(a) ? Number(a) : null;
  const y = typeof b === 'number' || b instanceof Date ? toNumber(b) : typeof b === 'string' && NUMERIC_TEXT.test(b) ? Number(b) : null;
  if (x !== null && y !== null) return x - y;
  if (x !== null) return 1;
  if (y !== null) return -1;
  return naturalCompare(formatValue(a), formatValue(b));
}

/** A key that tells values apart for grouping, count_distinct and dedup (420 and "420" are one value). */
export function valueKey(value: Value): string {
  if (value === null) return '\u0000';
  const n = toNumber(value);
  if (n !== null && typeof value !== 'boolean') return `n${n}`;
  return `s${formatValue(value)}`;
}

/** Truthiness in `filter`: a boolean as is; a missing field, empty text or 0 is false. */
export function isTruthy(value: Value): boolean {
  if (value === null || value === false || value === '' || value === 0) return false;
  return true;
}
