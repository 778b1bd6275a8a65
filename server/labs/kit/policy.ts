// IAM policy documents: decode and normalise them, match wildcards, and evaluate actions and trust.
import type { PolicyDocument } from '../../verify/snapshot';

export type Effect = 'Allow' | 'Deny';

/** A statement's Principal (or NotPrincipal) with every value as a list. */
export interface Principals {
  /** `"Principal": "*"` or `{"AWS": "*"}`: anyone. */
  everyone: boolean;
  service: string[];
  aws: string[];
  federated: string[];
}

/** One statement with every string-or-list field as a list; absent fields stay undefined. */
export interface Statement {
  sid?: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: Principals;
  notPrincipal?: Principals;
  hasCondition: boolean;
}

/** allow: some Allow applies and no Deny; deny: an explicit Deny applies; none: nothing applies (implicit deny). */
export type Decision = 'allow' | 'deny' | 'none';

export const ASSUME_ROLE = 'sts:AssumeRole';

/**
 * Parses a policy document as IAM returns it. GetRole, GetRolePolicy and GetPolicyVersion return
 * URL-encoded JSON that the SDK does not decode (moto returns some of them plain), so decode
 * when the text starts with `%`. Throws when the text is not a JSON object.
 */
export function decodePolicyDocument(text: string): PolicyDocument {
  const trimmed = text.trim();
  const json = trimmed.startsWith('%') ? decodeURIComponent(trimmed) : trimmed;
  const parsed: unknown = JSON.parse(json);
  if (!isRecord(parsed)) throw new Error('policy document is not a JSON object');
  return parsed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a list of strings, as a list; anything else is dropped. */
function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return undefined;
}

function principals(value: unknown): Principals | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return { everyone: true, service: [], aws: [], federated: [] };
  if (!isRecord(value)) return undefined;
  const aws = strings(value.AWS) ?? [];
  return {
    everyone: aws.includes('*'),
    service: strings(value.Service) ?? [],
    aws,
    federated: strings(value.Federated) ?? [],
  };
}

function effectOf(value: unknown): Effect | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'allow' ? 'Allow' : lower === 'deny' ? 'Deny' : undefined;
}

function statement(raw: unknown): Statement | undefined {
  if (!isRecord(raw)) return undefined;
  const effect = effectOf(raw.Effect);
  if (!effect) return undefined;
  return {
    sid: typeof raw.Sid === 'string' ? raw.Sid : undefined,
    effect,
    action: strings(raw.Action),
    notAction: strings(raw.NotAction),
    resource: strings(raw.Resource),
    notResource: strings(raw.NotResource),
    principal: principals(raw.Principal),
    notPrincipal: principals(raw.NotPrincipal),
    hasCondition: isRecord(raw.Condition) && Object.keys(raw.Condition).length > 0,
  };
}

/** The statements of a document; `Statement` may be one object or a list. Malformed statements are skipped. */
export function normalisePolicy(document: unknown): Statement[] {
  if (!isRecord(document)) return [];
  const raw = document.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map(statement).filter((s): s is Statement => s !== undefined);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** IAM wildcard matching: `*` is any run of characters (colons and slashes included), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
  const source = escapeRegExp(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, options.ignoreCase ? 'is' : 's').test(value);
}

/** Action names are case-insensitive in IAM: `logs:Put*` matches `logs:PutLogEvents`. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, { ignoreCase: true });
}

function coversAction(s: Statement, action: string): boolean {
  if (s.action) return s.action.some((pattern) => actionMatches(pattern, action));
  if (s.notAction) return !s.notAction.some((pattern) => actionMatches(pattern, action));
  return false;
}

function coversResource(s: Statement, resources: string[] | undefined): boolean {
  if (resources === undefined) return true;
  const matchesAny = (patterns: string[]) => patterns.some((p) => resources.some((r) => wildcardMatch(p, r)));
  if (s.resource) return matchesAny(s.resource);
  if (s.notResource) return !matchesAny(s.notResource);
  return true;
}

function namesService(p: Principals | undefined, service: string): boolean {
  if (!p) return false;
  return p.everyone || p.service.some((pattern) => wildcardMatch(pattern, service, { ignoreCase: true }));
}

function coversService(s: Statement, service: string): boolean {
  if (s.principal) return namesService(s.principal, service);
  // NotPrincipal is only meaningful with Deny: it applies to everyone not listed.
  if (s.notPrincipal) return s.effect === 'Deny' && !namesService(s.notPrincipal, service);
  return false;
}

function decide(statements: Statement[], applies: (s: Statement) => boolean): Decision {
  const matching = statements.filter(applies);
  // Conditions are not evaluated: an Allow with a condition still counts as allowing, a Deny as denying.
  if (matching.some((s) => s.effect === 'Deny')) return 'deny';
  return matching.some((s) => s.effect === 'Allow') ? 'allow' : 'none';
}

/**
 * What the documents decide for `action` on any of `resources` (ARNs). Without `resources` the
 * Resource elements are ignored, which tells "not allowed at all" from "not on this resource".
 */
export function evaluate(documents: readonly unknown[], action: string, resources?: string | string[]): Decision {
  const wanted = typeof resources === 'string' ? [resources] : resources;
  const statements = documents.flatMap(normalisePolicy);
  return decide(statements, (s) => coversAction(s, action) && coversResource(s, wanted));
}

/** True when the documents allow `action` on any of `resources` and nothing denies it. */
export function allows(documents: readonly unknown[], action: string, resources?: string | string[]): boolean {
  return evaluate(documents, action, resources) === 'allow';
}

/** True when the trust policy lets the service principal (e.g. vpc-flow-logs.amazonaws.com) call sts:AssumeRole. */
export function trustsService(trustPolicy: unknown, service: string): boolean {
  const statements = normalisePolicy(trustPolicy);
  return decide(statements, (s) => coversService(s, service) && coversAction(s, ASSUME_ROLE)) === 'allow';
}

/** The service principals an Allow statement of the trust policy names for sts:AssumeRole, for messages. */
export function trustedServices(trustPolicy: unknown): string[] {
  const services = normalisePolicy(trustPolicy)
    .filter((s) => s.effect === 'Allow' && coversAction(s, ASSUME_ROLE))
    .flatMap((s) => s.principal?.service ?? []);
  return [...new Set(services)];
}

/**
 * The ARNs that stand for a CloudWatch Logs log group in a policy's Resource: the group itself and
 * the `:*` form that the console and the documentation use (it covers the group's streams).
 */
export function logGroupArns(region: string, accountId: string, logGroupName: string): string[] {
  const arn = `arn:aws:logs:${region}:${accountId}:log-group:${logGroupName}`;
  return [arn, `${arn}:*`];
}

/** The account id inside an ARN (`arn:aws:iam::111122223333:role/x` -> 111122223333). */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account ? account : undefined;
}
