// Splits a Logs Insights query into tokens with their offsets; skips comments and a console `SOURCE ... |` prefix.
import { MalformedQueryError } from './errors';

export type TokenType = 'ident' | 'number' | 'duration' | 'string' | 'regex' | 'op' | 'pipe' | 'eof';

export interface Token {
  type: TokenType;
  /** ident: the name (backticks removed); string: the unescaped text; regex: the pattern; op: the operator; duration: e.g. "5m". */
  text: string;
  /** regex only: JavaScript flags. */
  flags?: string;
  /** ident only: written in backticks, so never a keyword. */
  quoted?: boolean;
  start: number;
  end: number;
}

const IDENT_START = /[A-Za-z_@$]/;
const IDENT_PART = /[A-Za-z0-9_@$.]/;
const DIGIT = /[0-9]/;
const OPERATORS = ['=~', '==', '!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '^', '(', ')', '[', ']', ','];
/** Keywords after which a `/` opens a regex rather than dividing. */
const REGEX_AFTER_KEYWORD = new Set(['like', 'in']);

/**
 * The console sends `SOURCE "group" START=... END=... | query`; StartQuery gets the groups separately, so the prefix is
 * skipped. Returns the offset just after its `|`, or 0 when there is none.
 */
function sourcePrefixEnd(query: string): number {
  const match = /^\s*source\b/i.exec(query);
  if (!match) return 0;
  let quote: string | undefined;
  for (let i = match[0].length; i < query.length; i++) {
    const ch = query[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '|') return i + 1;
  }
  return query.length;
}

function regexPossible(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return true;
  if (last.type === 'op') return last.text !== ')' && last.text !== ']';
  if (last.type === 'pipe') return true;
  if (last.type === 'ident') {
    if (REGEX_AFTER_KEYWORD.has(last.text.toLowerCase())) return true;
    // `parse @message /re/`: the field operand of parse is followed by the pattern.
    const before = tokens[tokens.length - 2];
    return before?.type === 'ident' && before.text.toLowerCase() === 'parse';
  }
  return false;
}

/** Turns the `(?i)` prefix AWS's (Java-style) regexes accept into a JavaScript flag. */
export function toJsRegex(pattern: string, flags = ''): { source: string; flags: string } {
  let source = pattern;
  let all = flags;
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]) if (f !== 'x' && !all.includes(f)) all += f;
  }
  return { source, flags: all };
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = sourcePrefixEnd(query);
  const fail = (reason: string, start: number, end = start + 1): never => {
    throw new MalformedQueryError(reason, query, { start, end: Math.min(Math.max(end, start + 1), Math.max(query.length, start + 1)) });
  };
  while (i < query.length) {
    const ch = query[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (ch === '|') {
      tokens.push({ type: 'pipe', text: '|', start, end: ++i });
    } else if (ch === '"' || ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= query.length) fail('Unterminated string', start, query.length);
        const c = query[i];
        if (c === ch) break;
        if (c === '\\' && i + 1 < query.length) {
          const next = query[i + 1];
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ type: 'string', text, start, end: ++i });
    } else if (ch === '`') {
      const close = query.indexOf('`', i + 1);
      if (close < 0) fail('Unterminated field name', start, query.length);
      tokens.push({ type: 'ident', text: query.slice(i + 1, close), quoted: true, start, end: close + 1 });
      i = close + 1;
    } else if (ch === '/' && regexPossible(tokens)) {
      let pattern = '';
      let inClass = false;
      i++;
      for (;;) {
        if (i >= query.length || query[i] === '\n') fail('Unterminated regular expression', start, i);
        const c = query[i];
        if (c === '\\' && i + 1 < query.length) {
          pattern += c + query[i + 1];
          i += 2;
          continue;
        }
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
        else if (c === '/' && !inClass) break;
        pattern += c;
        i++;
      }
      i++;
      let flags = '';
      while (i < query.length && /[a-z]/.test(query[i])) flags += query[i++];
      if (!/^[imsu]*$/.test(flags)) fail(`Unknown regular expression flags "${flags}"`, start, i);
      tokens.push({ type: 'regex', text: pattern, flags, start, end: i });
    } else if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(query[i + 1] ?? ''))) {
      while (i < query.length && DIGIT.test(query[i])) i++;
      if (query[i] === '.' && DIGIT.test(query[i + 1] ?? '')) {
        i++;
        while (i < query.length && DIGIT.test(query[i])) i++;
      }
      const numberEnd = i;
      while (i < query.length && /[A-Za-z]/.test(query[i])) i++;
      if (i > numberEnd) tokens.push({ type: 'duration', text: query.slice(start, i), start, end: i });
      else tokens.push({ type: 'number', text: query.slice(start, i), start, end: i });
    } else if (IDENT_START.test(ch)) {
      i++;
      // `a-b` is a subtraction, as in Logs Insights: a name with a hyphen needs backticks.
      while (i < query.length && IDENT_PART.test(query[i])) i++;
      tokens.push({ type: 'ident', text: query.slice(start, i), start, end: i });
    } else {
      const op = OPERATORS.find((o) => query.startsWith(o, i));
      if (!op) fail(`Unexpected character "${ch}"`, start);
      i += op!.length;
      tokens.push({ type: 'op', text: op!, start, end: i });
    }
  }
  tokens.push({ type: 'eof', text: '', start: query.length, end: query.length });
  return tokens;
}
