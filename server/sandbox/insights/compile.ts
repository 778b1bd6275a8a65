// Compiles expressions to functions once per query, so no regex or CIDR is rebuilt per record.
import { parseCidr, parseIpv4 } from '../../labs/kit/cidr';
import type { Expr } from './ast';
import { compareLoose, formatValue, isTruthy, toNumber, type Row, type Value } from './values';

export type Compiled = (row: Row) => Value;

/** How a call to an aggregate is read outside its stats: by the result column it became, or by a slot stats fills. */
export type AggregateLookup = (call: Extract<Expr, { kind: 'call' }>) => string;

const text = (value: Value): string | null => (value === null ? null : typeof value === 'string' ? value : formatValue(value));

/** Start of the bin holding `ms`: fixed periods from the epoch, calendar periods from the start of a UTC month. */
export function binStart(ms: number, period: { ms: number; calendarMonths: number }): number {
  if (period.calendarMonths > 0) {
    const date = new Date(ms);
    const months = date.getUTCFullYear() * 12 + date.getUTCMonth();
    const start = Math.floor(months / period.calendarMonths) * period.calendarMonths;
    return Date.UTC(Math.floor(start / 12), start % 12, 1);
  }
  return Math.floor(ms / period.ms) * period.ms;
}

function ipv4InSubnet(ip: Compiled, cidr: Expr, compileArg: (e: Expr) => Compiled): Compiled {
  const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
  const test = (ipText: string | null, block: ReturnType<typeof parseCidr>) => {
    const address = ipText === null ? undefined : parseIpv4(ipText);
    return address !== undefined && block !== undefined && ((address & mask(block.prefix)) >>> 0) === block.network;
  };
  if (cidr.kind === 'literal') {
    const block = parseCidr(String(cidr.value));
    return (row) => test(text(ip(row)), block);
  }
  const cidrOf = compileArg(cidr);
  return (row) => test(text(ip(row)), parseCidr(text(cidrOf(row)) ?? ''));
}

export function compileExpr(expr: Expr, aggregate: AggregateLookup): Compiled {
  const sub = (e: Expr) => compileExpr(e, aggregate);
  switch (expr.kind) {
    case 'field': {
      const name = expr.name;
      return (row) => row[name] ?? null;
    }
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'duration': {
      const value = expr.ms;
      return () => value;
    }
    case 'regex': {
      const regex = new RegExp(expr.source, expr.flags);
      return (row) => regex.test(text(row['@message']) ?? '');
    }
    case 'not': {
      const operand = sub(expr.operand);
      return (row) => !isTruthy(operand(row));
    }
    case 'negate': {
      const operand = sub(expr.operand);
      return (row) => {
        const n = toNumber(operand(row));
        return n === null ? null : -n;
      };
    }
    case 'logical': {
      const left = sub(expr.left);
      const right = sub(expr.right);
      return expr.op === 'and' ? (row) => isTruthy(left(row)) && isTruthy(right(row)) : (row) => isTruthy(left(row)) || isTruthy(right(row));
    }
    case 'compare': {
      const left = sub(expr.left);
      const right = sub(expr.right);
      const test = {
        '=': (c: number) => c === 0,
        '!=': (c: number) => c !== 0 && !Number.isNaN(c),
        '<': (c: number) => c < 0,
        '<=': (c: number) => c <= 0,
        '>': (c: number) => c > 0,
        '>=': (c: number) => c >= 0,
      }[expr.op];
      return (row) => test(compareLoose(left(row), right(row)));
    }
    case 'arith': {
      const left = sub(expr.left);
      const right = sub(expr.right);
      const apply = {
        '+': (a: number, b: number) => a + b,
        '-': (a: number, b: number) => a - b,
        '*': (a: number, b: number) => a * b,
        '/': (a: number, b: number) => a / b,
        '%': (a: number, b: number) => a % b,
        '^': (a: number, b: number) => a ** b,
      }[expr.op];
      return (row) => {
        const a = toNumber(left(row));
        const b = toNumber(right(row));
        if (a === null || b === null) return null;
        const result = apply(a, b);
        return Number.isFinite(result) ? result : null;
      };
    }
    case 'like': {
      const operand = sub(expr.operand);
      const negated = expr.negated;
      if (expr.pattern.kind === 'regex') {
        const regex = new RegExp(expr.pattern.source, expr.pattern.flags);
        return (row) => {
          const value = text(operand(row));
          return value !== null && regex.test(value) !== negated;
        };
      }
      const needle = String(expr.pattern.kind === 'literal' ? expr.pattern.value : '');
      return (row) => {
        const value = text(operand(row));
        return value !== null && value.includes(needle) !== negated;
      };
    }
    case 'in': {
      const operand = sub(expr.operand);
      const list = expr.list.map(sub);
      const negated = expr.negated;
      return (row) => {
        const value = operand(row);
        if (value === null) return false;
        return list.some((item) => compareLoose(value, item(row)) === 0) !== negated;
      };
    }
    case 'call':
      return compileCall(expr, aggregate);
  }
}

function compileCall(expr: Extract<Expr, { kind: 'call' }>, aggregate: AggregateLookup): Compiled {
  const args = expr.args.map((a) => compileExpr(a, aggregate));
  const [first] = args;
  const str = (row: Row) => text(first(row));
  const num = (f: (n: number) => number) => (row: Row) => {
    const n = toNumber(first(row));
    return n === null ? null : f(n);
  };
  switch (expr.name) {
    case 'bin': {
      const period = expr.args[0] as Extract<Expr, { kind: 'duration' }>;
      return (row) => {
        const at = row['@timestamp'];
        return at instanceof Date ? new Date(binStart(at.getTime(), period)) : null;
      };
    }
    case 'ispresent':
      return (row) => first(row) !== null;
    case 'isempty':
      return (row) => {
        const value = str(row);
        return value === null || value === '';
      };
    case 'isblank':
      return (row) => {
        const value = str(row);
        return value === null || value.trim() === '';
      };
    case 'strlen':
      return (row) => {
        const value = str(row);
        return value === null ? null : value.length;
      };
    case 'tolower':
      return (row) => str(row)?.toLowerCase() ?? null;
    case 'toupper':
      return (row) => str(row)?.toUpperCase() ?? null;
    case 'concat':
      return (row) => args.map((a) => text(a(row)) ?? '').join('');
    case 'coalesce':
      return (row) => {
        for (const a of args) {
          const value = a(row);
          if (value !== null) return value;
        }
        return null;
      };
    case 'abs':
      return num(Math.abs);
    case 'ceil':
      return num(Math.ceil);
    case 'floor':
      return num(Math.floor);
    case 'isipv4insubnet':
    case 'isipinsubnet':
      return ipv4InSubnet(first, expr.args[1], (e) => compileExpr(e, aggregate));
    default: {
      // An aggregate outside the stats that computed it: read the column it produced (`sort sum(bytes) desc`).
      const column = aggregate(expr);
      return (row) => row[column] ?? null;
    }
  }
}

/** Glob `parse` patterns: `*` captures; the last `*` takes the rest of the line, as in AWS. Compiled once. */
export function globToRegex(glob: string): RegExp {
  const parts = glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  let source = parts[0];
  for (let i = 1; i < parts.length; i++) source += (i === parts.length - 1 && parts[i] === '' ? '(.*)' : '(.*?)') + parts[i];
  return new RegExp(source, 's');
}
