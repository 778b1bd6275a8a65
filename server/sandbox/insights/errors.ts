// The error a query that does not compile throws, with the position AWS's MalformedQueryException reports.

/** Where in the query string the problem is: 0-based character offsets, `end` exclusive (AWS's queryCompileError.location). */
export interface QueryLocation {
  start: number;
  end: number;
}

/**
 * A query that does not compile. `line` and `column` are 1-based for people; `location` is what the proxy puts in
 * MalformedQueryException's `queryCompileError` so a client can underline the text, as the console does.
 */
export class MalformedQueryError extends Error {
  override readonly name = 'MalformedQueryError';
  readonly line: number;
  readonly column: number;
  readonly location: QueryLocation;
  /** The message without the "at line L and position C" suffix. */
  readonly reason: string;

  constructor(reason: string, query: string, location: QueryLocation) {
    const { line, column } = lineAndColumn(query, location.start);
    super(`${reason} at line ${line} and position ${column}`);
    this.reason = reason;
    this.line = line;
    this.column = column;
    this.location = location;
  }

  /** The shape of AWS's `queryCompileError` field. */
  toQueryCompileError(): { location: QueryLocation; message: string } {
    return { location: { ...this.location }, message: this.message };
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
