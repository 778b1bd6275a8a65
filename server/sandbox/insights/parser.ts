// Parses a Logs Insights query into commands, with AWS-style positions on every error.
import type { Command, CommandBody, Expr, NamedExpr, ParsePattern, Query, SortKey } from './ast';
import { MalformedQueryError } from './errors';
import { toJsRegex, tokenize, type Token } from './lexer';

export const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'count_distinct']);
/** Scalar functions and how many arguments each takes ([min, max]). */
export const FUNCTIONS: Record<string, [number, number]> = {
  bin: [1, 1],
  ispresent: [1, 1],
  isempty: [1, 1],
  isblank: [1, 1],
  strlen: [1, 1],
  tolower: [1, 1],
  toupper: [1, 1],
  concat: [1, 32],
  coalesce: [1, 32],
  abs: [1, 1],
  ceil: [1, 1],
  floor: [1, 1],
  isipv4insubnet: [2, 2],
  isipinsubnet: [2, 2],
};

/** Words that end an expression or join its parts, so they are never read as field names (use backticks for that). */
const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'in', 'as', 'by', 'asc', 'desc']);
const COMPARISONS = new Set(['=', '==', '!=', '<', '<=', '>', '>=']);

const DAY = 86_400_000;
/** Units bin() accepts; months, quarters and years follow the calendar, so they are kept apart from milliseconds. */
const DURATION_UNITS: Record<string, { ms: number; months: number }> = {
  ms: { ms: 1, months: 0 },
  s: { ms: 1000, months: 0 },
  sec: { ms: 1000, months: 0 },
  m: { ms: 60_000, months: 0 },
  min: { ms: 60_000, months: 0 },
  h: { ms: 3_600_000, months: 0 },
  hr: { ms: 3_600_000, months: 0 },
  d: { ms: DAY, months: 0 },
  w: { ms: 7 * DAY, months: 0 },
  mo: { ms: 0, months: 1 },
  q: { ms: 0, months: 3 },
  y: { ms: 0, months: 12 },
};

/** AWS caps `limit` at 10,000 rows. */
export const MAX_LIMIT = 10_000;

class Parser {
  private pos = 0;

  constructor(
    readonly text: string,
    private readonly tokens: Token[],
  ) {}

  fail(reason: string, token: Token = this.peek()): never {
    const end = token.type === 'eof' ? token.start + 1 : token.end;
    throw new MalformedQueryError(reason, this.text, { start: token.start, end: Math.max(end, token.start + 1) });
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.pos++;
    return token;
  }

  isWord(word: string, token: Token = this.peek()): boolean {
    return token.type === 'ident' && !token.quoted && token.text.toLowerCase() === word;
  }

  isOp(op: string, token: Token = this.peek()): boolean {
    return token.type === 'op' && token.text === op;
  }

  expectOp(op: string, what: string): Token {
    if (!this.isOp(op)) this.fail(`Expected ${what} but found ${describe(this.peek())}`);
    return this.next();
  }

  /** True at the end of the current command. */
  atCommandEnd(): boolean {
    const type = this.peek().type;
    return type === 'pipe' || type === 'eof';
  }

  parseQuery(): Query {
    const commands: Command[] = [];
    while (this.peek().type !== 'eof') {
      commands.push(this.parseCommand());
      if (this.peek().type === 'pipe') {
        this.next();
        if (this.peek().type === 'eof') this.fail('Expected a command after "|"');
      } else if (this.peek().type !== 'eof') this.fail(`Unexpected ${describe(this.peek())}`);
    }
    checkOrder(this, commands);
    return { text: this.text, commands };
  }

  parseCommand(): Command {
    const head = this.next();
    if (head.type !== 'ident' || head.quoted) this.fail(`Expected a command but found ${describe(head)}`, head);
    const start = head.start;
    const command = this.parseCommandBody(head.text.toLowerCase(), head);
    return { ...command, start, end: this.tokens[this.pos - 1].end } as Command;
  }

  parseCommandBody(name: string, head: Token): CommandBody {
    switch (name) {
      case 'fields':
        return { kind: 'fields', items: this.parseList(() => this.parseNamed(true)) };
      case 'display':
        return { kind: 'display', items: this.parseList(() => this.parseNamed(false)) };
      case 'filter':
        return { kind: 'filter', expr: this.parseExpr() };
      case 'stats':
        return this.parseStats();
      case 'sort':
        return { kind: 'sort', keys: this.parseList(() => this.parseSortKey()) };
      case 'limit': {
        const token = this.next();
        const count = Number(token.text);
        if (token.type !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_LIMIT) {
          this.fail(`limit takes a whole number from 1 to ${MAX_LIMIT}, not ${describe(token)}`, token);
        }
        return { kind: 'limit', count };
      }
      case 'parse':
        return this.parseParse();
      case 'dedup':
        return { kind: 'dedup', fields: this.parseList(() => this.parseFieldName()) };
      default:
        return this.fail(`Unknown command "${head.text}"`, head);
    }
  }

  parseList<T>(item: () => T): T[] {
    if (this.atCommandEnd()) this.fail(`Expected a field or expression but found ${describe(this.peek())}`);
    const items = [item()];
    while (this.isOp(',')) {
      this.next();
      items.push(item());
    }
    return items;
  }

  parseFieldName(): string {
    const token = this.next();
    if (token.type !== 'ident' || (!token.quoted && KEYWORDS.has(token.text.toLowerCase()))) this.fail(`Expected a field name but found ${describe(token)}`, token);
    return token.text;
  }

  /** `expr [as alias]`; `display` takes field names only. */
  parseNamed(expressions: boolean): NamedExpr {
    const expr = expressions ? this.parseExpr() : this.fieldExpr();
    if (this.isWord('as')) {
      if (!expressions) this.fail('display takes field names only; define an alias with fields');
      this.next();
      return { expr, name: this.parseFieldName() };
    }
    return { expr, name: expr.kind === 'field' ? expr.name : this.text.slice(expr.start, expr.end) };
  }

  fieldExpr(): Expr {
    const token = this.peek();
    const name = this.parseFieldName();
    return { kind: 'field', name, start: token.start, end: token.end };
  }

  parseSortKey(): SortKey {
    const expr = this.parseExpr();
    let descending = false;
    if (this.isWord('desc')) {
      this.next();
      descending = true;
    } else if (this.isWord('asc')) this.next();
    return { expr, name: expr.kind === 'field' ? expr.name : this.text.slice(expr.start, expr.end), descending };
  }

  parseStats(): CommandBody {
    const items = this.parseList(() => this.parseNamed(true));
    for (const item of items) {
      if (!containsAggregate(item.expr)) this.failAt(`stats needs an aggregate function such as count(*) or sum(field), not "${this.text.slice(item.expr.start, item.expr.end)}"`, item.expr);
    }
    let by: NamedExpr[] = [];
    if (this.isWord('by')) {
      this.next();
      by = this.parseList(() => this.parseNamed(true));
      for (const item of by) if (containsAggregate(item.expr)) this.failAt('An aggregate function cannot be a "by" term', item.expr);
    }
    return { kind: 'stats', items, by };
  }

  parseParse(): CommandBody {
    const source = this.parseExpr(true);
    const token = this.next();
    let pattern: ParsePattern;
    let names: string[] = [];
    if (token.type === 'string') {
      pattern = { kind: 'glob', text: token.text };
      const stars = token.text.split('*').length - 1;
      if (stars === 0) this.fail('A parse pattern needs at least one "*"', token);
      if (!this.isWord('as')) this.fail(`Expected "as" and ${stars} field name(s) after the parse pattern`);
      this.next();
      names = this.parseList(() => this.parseFieldName());
      if (names.length !== stars) this.fail(`The parse pattern has ${stars} "*" but ${names.length} field name(s) follow "as"`, token);
    } else if (token.type === 'regex') {
      const { source: regex, flags } = toJsRegex(token.text, token.flags);
      names = [...regex.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]);
      if (names.length === 0) this.fail('A parse regular expression needs named groups such as (?<name>...)', token);
      try {
        new RegExp(regex, flags);
      } catch (error) {
        this.fail(`Invalid regular expression: ${(error as Error).message}`, token);
      }
      pattern = { kind: 'regex', source: regex, flags };
    } else {
      return this.fail(`Expected a "glob * pattern" or a /regular expression/ but found ${describe(token)}`, token);
    }
    return { kind: 'parse', source, pattern, names };
  }

  failAt(reason: string, expr: Expr): never {
    throw new MalformedQueryError(reason, this.text, { start: expr.start, end: expr.end });
  }

  // Expressions, loosest first: or, and, not, comparison, + -, * / %, ^, unary minus, primary.

  /** `stopAtPattern`: for parse, whose field operand is followed directly by the pattern. */
  parseExpr(stopAtPattern = false): Expr {
    if (stopAtPattern) return this.parsePrimary();
    return this.parseOr();
  }

  parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.next();
      const right = this.parseAnd();
      left = { kind: 'logical', op: 'or', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isWord('and')) {
      this.next();
      const right = this.parseNot();
      left = { kind: 'logical', op: 'and', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  parseNot(): Expr {
    if (this.isWord('not')) {
      const token = this.next();
      const operand = this.parseNot();
      return { kind: 'not', operand, start: token.start, end: operand.end };
    }
    return this.parseComparison();
  }

  parseComparison(): Expr {
    const left = this.parseAdditive();
    const token = this.peek();
    if (token.type === 'op' && COMPARISONS.has(token.text)) {
      this.next();
      const right = this.parseAdditive();
      const op = (token.text === '==' ? '=' : token.text) as '=' | '!=' | '<' | '<=' | '>' | '>=';
      return { kind: 'compare', op, left, right, start: left.start, end: right.end };
    }
    let negated = false;
    if (this.isWord('not') && (this.isWord('like', this.peek(1)) || this.isWord('in', this.peek(1)))) {
      this.next();
      negated = true;
    }
    if (this.isOp('=~') || this.isWord('like')) {
      const op = this.next();
      const pattern = this.parsePrimary();
      if (pattern.kind !== 'regex' && !(pattern.kind === 'literal' && typeof pattern.value === 'string')) {
        this.failAt(`${op.text} takes a "string" or a /regular expression/`, pattern);
      }
      if (op.text === '=~' && pattern.kind !== 'regex') this.failAt('=~ takes a /regular expression/', pattern);
      return { kind: 'like', negated, operand: left, pattern, start: left.start, end: pattern.end };
    }
    if (this.isWord('in')) {
      this.next();
      this.expectOp('[', '"[" to start the list');
      const list: Expr[] = [];
      if (!this.isOp(']')) {
        list.push(this.parseAdditive());
        while (this.isOp(',')) {
          this.next();
          list.push(this.parseAdditive());
        }
      }
      const close = this.expectOp(']', '"," or "]"');
      return { kind: 'in', negated, operand: left, list, start: left.start, end: close.end };
    }
    if (negated) this.fail('Expected "like" or "in" after "not"');
    return left;
  }

  parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as '+' | '-';
      const right = this.parseMultiplicative();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  parseMultiplicative(): Expr {
    let left = this.parsePower();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next().text as '*' | '/' | '%';
      const right = this.parsePower();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  parsePower(): Expr {
    const left = this.parseUnary();
    if (this.isOp('^')) {
      this.next();
      const right = this.parsePower();
      return { kind: 'arith', op: '^', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  parseUnary(): Expr {
    if (this.isOp('-')) {
      const token = this.next();
      const operand = this.parseUnary();
      if (operand.kind === 'literal' && typeof operand.value === 'number') return { ...operand, value: -operand.value, start: token.start };
      return { kind: 'negate', operand, start: token.start, end: operand.end };
    }
    return this.parsePrimary();
  }

  parsePrimary(): Expr {
    const token = this.next();
    const span = { start: token.start, end: token.end };
    switch (token.type) {
      case 'number':
        return { kind: 'literal', value: Number(token.text), ...span };
      case 'string':
        return { kind: 'literal', value: token.text, ...span };
      case 'duration':
        return this.duration(token);
      case 'regex': {
        const { source, flags } = toJsRegex(token.text, token.flags);
        try {
          new RegExp(source, flags);
        } catch (error) {
          this.fail(`Invalid regular expression: ${(error as Error).message}`, token);
        }
        return { kind: 'regex', source, flags, ...span };
      }
      case 'op':
        if (token.text === '(') {
          const inner = this.parseOr();
          const close = this.expectOp(')', '")"');
          return { ...inner, start: token.start, end: close.end };
        }
        return this.fail(`Unexpected ${describe(token)}`, token);
      case 'ident':
        if (!token.quoted && this.isOp('(')) return this.parseCall(token);
        if (!token.quoted && KEYWORDS.has(token.text.toLowerCase())) this.fail(`Unexpected ${describe(token)}`, token);
        return { kind: 'field', name: token.text, ...span };
      default:
        return this.fail(`Unexpected ${describe(token)}`, token);
    }
  }

  parseCall(nameToken: Token): Expr {
    const name = nameToken.text.toLowerCase();
    const arity = AGGREGATES.has(name) ? ([name === 'count' ? 0 : 1, 1] as const) : FUNCTIONS[name];
    if (!arity) this.fail(`Unknown function "${nameToken.text}"`, nameToken);
    this.next();
    const args: Expr[] = [];
    let star = false;
    if (name === 'count' && this.isOp('*')) {
      this.next();
      star = true;
    } else if (!this.isOp(')')) {
      args.push(this.parseOr());
      while (this.isOp(',')) {
        this.next();
        args.push(this.parseOr());
      }
    }
    const close = this.expectOp(')', '"," or ")"');
    const call: Expr = { kind: 'call', name, args, star, start: nameToken.start, end: close.end };
    if (!star && (args.length < arity[0] || args.length > arity[1])) {
      this.failAt(`${nameToken.text}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s), not ${args.length}`, call);
    }
    if (name === 'bin' && args[0].kind !== 'duration') this.failAt('bin() takes a period such as 5m or 1h', args[0]);
    for (const arg of args) if (AGGREGATES.has(name) && containsAggregate(arg)) this.failAt('Aggregate functions cannot be nested', arg);
    return call;
  }

  duration(token: Token): Expr {
    const match = /^(\d+(?:\.\d+)?)([A-Za-z]+)$/.exec(token.text);
    const unit = match ? DURATION_UNITS[match[2].toLowerCase()] : undefined;
    if (!match || !unit) return this.fail(`Unknown time unit in "${token.text}" (use ms, s, m, h, d, w, mo, q or y)`, token);
    const amount = Number(match[1]);
    if (amount <= 0 || (unit.months > 0 && !Number.isInteger(amount))) this.fail(`"${token.text}" is not a usable period`, token);
    return { kind: 'duration', ms: amount * unit.ms, calendarMonths: amount * unit.months, start: token.start, end: token.end };
  }
}

function describe(token: Token): string {
  if (token.type === 'eof') return 'the end of the query';
  if (token.type === 'string') return `"${token.text}"`;
  return `"${token.type === 'regex' ? `/${token.text}/` : token.text}"`;
}

export function containsAggregate(expr: Expr): boolean {
  switch (expr.kind) {
    case 'call':
      return AGGREGATES.has(expr.name) || expr.args.some(containsAggregate);
    case 'not':
    case 'negate':
      return containsAggregate(expr.operand);
    case 'logical':
    case 'compare':
    case 'arith':
      return containsAggregate(expr.left) || containsAggregate(expr.right);
    case 'like':
      return containsAggregate(expr.operand);
    case 'in':
      return containsAggregate(expr.operand) || expr.list.some(containsAggregate);
    default:
      return false;
  }
}

/** Rules AWS enforces on the order of commands: only `limit` may follow `dedup`; aggregates only inside stats. */
function checkOrder(parser: Parser, commands: Command[]): void {
  const dedup = commands.findIndex((c) => c.kind === 'dedup');
  const after = dedup >= 0 ? commands.slice(dedup + 1).find((c) => c.kind !== 'limit') : undefined;
  if (after) throw new MalformedQueryError('Only limit can follow dedup', parser.text, { start: after.start, end: after.end });
  for (const command of commands) {
    const exprs = command.kind === 'filter' ? [command.expr] : command.kind === 'fields' ? command.items.map((i) => i.expr) : command.kind === 'sort' ? command.keys.map((k) => k.expr) : [];
    for (const expr of exprs) {
      if (containsAggregate(expr)) throw new MalformedQueryError('Aggregate functions can only be used in stats', parser.text, { start: expr.start, end: expr.end });
    }
  }
}

/** Parses a query string as StartQuery receives it (a console `SOURCE ... |` prefix is skipped). Throws MalformedQueryError. */
export function parseQuery(text: string): Query {
  return new Parser(text, tokenize(text)).parseQuery();
}
