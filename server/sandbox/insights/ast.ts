// The parsed form of a Logs Insights query: expressions and the commands of the pipeline.

interface Span {
  /** Offsets into the query string, `end` exclusive; a result column is named by the text between them. */
  start: number;
  end: number;
}

export type Expr =
  | (Span & { kind: 'field'; name: string })
  | (Span & { kind: 'literal'; value: string | number })
  | (Span & { kind: 'duration'; ms: number; calendarMonths: number })
  | (Span & { kind: 'regex'; source: string; flags: string })
  | (Span & { kind: 'not'; operand: Expr })
  | (Span & { kind: 'negate'; operand: Expr })
  | (Span & { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr })
  | (Span & { kind: 'compare'; op: '=' | '!=' | '<' | '<=' | '>' | '>='; left: Expr; right: Expr })
  | (Span & { kind: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '^'; left: Expr; right: Expr })
  /** `like "text"` (substring), `like /re/` and `=~ /re/`. */
  | (Span & { kind: 'like'; negated: boolean; operand: Expr; pattern: Expr })
  | (Span & { kind: 'in'; negated: boolean; operand: Expr; list: Expr[] })
  /** `name` is lower case; `star` for `count(*)`. */
  | (Span & { kind: 'call'; name: string; args: Expr[]; star: boolean });

/** An expression with the column name it produces: its alias, else its text as written. */
export interface NamedExpr {
  expr: Expr;
  name: string;
}

export interface SortKey extends NamedExpr {
  descending: boolean;
}

export type ParsePattern = { kind: 'glob'; text: string } | { kind: 'regex'; source: string; flags: string };

export type Command =
  | (Span & { kind: 'fields'; items: NamedExpr[] })
  | (Span & { kind: 'display'; items: NamedExpr[] })
  | (Span & { kind: 'filter'; expr: Expr })
  | (Span & { kind: 'stats'; items: NamedExpr[]; by: NamedExpr[] })
  | (Span & { kind: 'sort'; keys: SortKey[] })
  | (Span & { kind: 'limit'; count: number })
  | (Span & { kind: 'parse'; source: Expr; pattern: ParsePattern; names: string[] })
  | (Span & { kind: 'dedup'; fields: string[] });

/** A command before its span is known. */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'start' | 'end'> : never) : never;

export interface Query {
  text: string;
  commands: Command[];
}
