// IAM roles as AWS judges them: which service a role trusts, and why its policies do or do not allow actions on a resource.
import type { IamRole, IamRolePolicy } from '../../verify/snapshot';
import { choiceNote, choose, type Criterion } from './choose';
import { evaluate, logGroupArns, trustedServices, trustsService } from './policy';
import { found, missing, timeOf, unknown, type Found } from './results';

export { logGroupArns, trustedServices, trustsService };

/** Roles whose trust policy lets `service` (e.g. vpc-flow-logs.amazonaws.com) call sts:AssumeRole. */
export function rolesTrusting(roles: readonly IamRole[], service: string): IamRole[] {
  return roles.filter((r) => r.trustPolicy !== null && trustsService(r.trustPolicy, service));
}

/** The role name at the end of a role ARN (`arn:aws:iam::1:role/path/Name` -> Name). */
export function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Why a role's policies do or do not allow a set of actions; the first kind that applies is reported. */
export type PermissionDiagnosis =
  /** Every action is allowed on its resource; `unreadable` lists policies that could not be read (they did not matter). */
  | { kind: 'allowed'; unreadable: IamRolePolicy[] }
  | { kind: 'no-policies' }
  /** An explicit Deny in `policy` wins over any Allow for `action`. */
  | { kind: 'denied'; action: string; policy: IamRolePolicy }
  /** Some actions are not allowed by what could be read, and some policies could not be read: cannot tell. */
  | { kind: 'unreadable'; actions: string[]; unreadable: IamRolePolicy[] }
  /** The actions are allowed, but only on other resources than the ones they need. */
  | { kind: 'other-resource'; actions: string[] }
  | { kind: 'not-allowed'; actions: string[] };

/**
 * Diagnoses the policies of a role for `actions`, each evaluated against the resources `resourcesFor(action)`
 * gives (any one of them counts). Conditions are not evaluated (see policy.ts).
 */
export function diagnosePermissions(
  policies: readonly IamRolePolicy[],
  actions: readonly string[],
  resourcesFor: (action: string) => string[],
): PermissionDiagnosis {
  if (policies.length === 0) return { kind: 'no-policies' };
  const readable = policies.filter((p) => p.document !== null);
  const unreadable = policies.filter((p) => p.document === null);
  for (const action of actions) {
    const policy = readable.find((p) => evaluate([p.document], action, resourcesFor(action)) === 'deny');
    if (policy) return { kind: 'denied', action, policy };
  }
  const docs = readable.map((p) => p.document);
  const notAllowed = actions.filter((action) => evaluate(docs, action, resourcesFor(action)) !== 'allow');
  if (notAllowed.length === 0) return { kind: 'allowed', unreadable };
  if (unreadable.length > 0) return { kind: 'unreadable', actions: notAllowed, unreadable };
  // Allowed with the Resource ignored means the policy names the wrong resource, which deserves its own hint.
  if (notAllowed.every((action) => evaluate(docs, action) === 'allow')) return { kind: 'other-resource', actions: notAllowed };
  return { kind: 'not-allowed', actions: notAllowed };
}

/** True when the policies allow every action on its resources and nothing denies one. */
export function allowsAll(policies: readonly IamRolePolicy[], actions: readonly string[], resourcesFor: (action: string) => string[]): boolean {
  const docs = policies.map((p) => p.document);
  return actions.every((action) => evaluate(docs, action, resourcesFor(action)) === 'allow');
}

export interface LogGroupRef {
  region: string;
  accountId: string;
  logGroupName: string;
}

/** CloudWatch Logs actions that AWS authorises against a log stream, not against its group. */
const STREAM_ACTIONS = new Set(['logs:createlogstream', 'logs:putlogevents', 'logs:getlogevents']);

/**
 * The resource(s) AWS evaluates `action` against for a log group. PutLogEvents and CreateLogStream act on a stream
 * (`…:log-group:NAME:log-stream:STREAM`), so a policy whose Resource is the bare group ARN does not cover them;
 * `…:log-group:NAME:*` or `*` does. Group actions accept either group form. `logStreamName` defaults to `*`,
 * which only a policy covering every stream of the group matches.
 */
export function logsActionResources(action: string, group: LogGroupRef, logStreamName = '*'): string[] {
  const arns = logGroupArns(group.region, group.accountId, group.logGroupName);
  return STREAM_ACTIONS.has(action.toLowerCase()) ? [`${arns[0]}:log-stream:${logStreamName}`] : arns;
}

/** A role chosen for a service: `trusted` is false when none trusts the service and this is the learner's closest attempt. */
export interface RoleChoice {
  role: IamRole;
  trusted: boolean;
  note?: string;
}

export interface WantedRole {
  /** The service principal that must be able to assume it (vpc-flow-logs.amazonaws.com). */
  service: string;
  /** The role name the lab text uses: preferred among attempts and named in hints. */
  name: string;
  /** The role a resource already uses (a flow log's DeliverLogsPermissionArn), and how to say which resource. */
  usedArn?: string;
  usedBy?: string;
  /** Whether a role's policies allow what the role is for. */
  allowsAll: (role: IamRole) => boolean;
  /** Epoch ms: roles made since then that trust some service count as the learner's attempts. */
  since?: number;
}

/**
 * The role for a service: one that trusts it (the one in use first, then one whose policies suffice, then the newest),
 * else the learner's closest attempt (in use, named as the lab says, or made since they began), so a hint can say
 * what is wrong with it instead of "no role".
 */
export function findServiceRole(roles: readonly IamRole[], wanted: WantedRole): Found<RoleChoice> {
  const newest: Criterion<IamRole> = { score: (r) => timeOf(r.createDate), because: 'it is the newest' };
  const used: Criterion<IamRole> = { score: (r) => r.arn === wanted.usedArn, because: `${wanted.usedBy ?? 'the resource'} uses it` };
  const sufficient: Criterion<IamRole> = { score: wanted.allowsAll, because: 'its policies allow what it needs' };
  const trusted = rolesTrusting(roles, wanted.service);
  const trustedChoice = choose(trusted, [used, sufficient, newest]);
  if (trustedChoice) {
    const note = choiceNote(trustedChoice, `roles trust ${wanted.service}`, (r) => r.roleName, trusted);
    return found({ role: trustedChoice.chosen, trusted: true, note });
  }
  const named = (r: IamRole) => r.roleName.toLowerCase() === wanted.name.toLowerCase();
  const recent = (r: IamRole) => wanted.since !== undefined && timeOf(r.createDate) >= wanted.since && trustedServices(r.trustPolicy).length > 0;
  const attempts = roles.filter((r) => r.arn === wanted.usedArn || named(r) || recent(r));
  const attempt = choose(attempts, [used, { score: named, because: `it is named ${wanted.name}` }, sufficient, newest]);
  if (attempt) return found({ role: attempt.chosen, trusted: false });
  const unreadable = roles.filter((r) => r.trustPolicy === null).map((r) => r.roleName);
  if (unreadable.length > 0) return unknown(`Could not check: could not read the trust policy of ${unreadable.join(', ')}.`);
  return missing(`No role trusts ${wanted.service}; create ${wanted.name} with the trust policy from this step.`);
}

/** The chosen role passes when it trusts `service`; otherwise what it trusts instead and how to fix its trust policy. */
export function trustFinding(choice: Found<RoleChoice>, service: string): Found<RoleChoice> {
  if (choice.ok !== true || choice.value.trusted) return choice;
  const { role } = choice.value;
  if (role.trustPolicy === null) return unknown(`Could not check: could not read the trust policy of role ${role.roleName}.`);
  const services = trustedServices(role.trustPolicy).filter((s) => s !== service);
  const fix = `edit its trust policy so that the Principal is { "Service": "${service}" } with the action sts:AssumeRole`;
  return services.length > 0
    ? missing(`Role ${role.roleName} is trusted by ${services.join(' and ')}, not ${service}; ${fix}.`)
    : missing(`Role ${role.roleName}'s trust policy does not let ${service} assume it; ${fix}.`);
}

/**
 * Whether a role may use `actions` on a log group, each against the resource AWS really authorises it on (see
 * logsActionResources), in words: which policy denies, which action is missing, or that stream actions are
 * allowed on the bare group ARN only, which AWS does not count for writing log events.
 */
export function logsPermissions(role: IamRole, actions: readonly string[], group: LogGroupRef): Found<string[]> {
  const diagnosis = diagnosePermissions(role.policies, actions, (action) => logsActionResources(action, group));
  const names = (policies: { name: string }[]) => policies.map((p) => p.name).join(', ');
  const [groupArn] = logGroupArns(group.region, group.accountId, group.logGroupName);
  switch (diagnosis.kind) {
    case 'no-policies':
      return missing(`Role ${role.roleName} has no permissions policy; add the inline policy from this step (${actions.join(', ')}).`);
    case 'denied':
      return missing(`Role ${role.roleName}'s policy ${diagnosis.policy.name} denies ${diagnosis.action}; remove that Deny.`);
    case 'unreadable': {
      const why = diagnosis.unreadable.map((p) => p.unreadable?.permission).filter((p) => p !== undefined);
      const lacks = why.length > 0 ? ` (the Verilab role lacks ${[...new Set(why)].join(', ')})` : '';
      return unknown(`Could not check: could not read policy ${names(diagnosis.unreadable)} of role ${role.roleName}${lacks}.`);
    }
    case 'other-resource': {
      const docs = role.policies.map((p) => p.document);
      if (diagnosis.actions.every((a) => STREAM_ACTIONS.has(a.toLowerCase()) && evaluate(docs, a, groupArn) === 'allow')) {
        return missing(
          `Role ${role.roleName}'s policies allow ${diagnosis.actions.join(', ')} only on the log group itself (${groupArn}). ` +
            `AWS authorises these actions on the group's log streams (${groupArn}:log-stream:…), so the role cannot write log events; set the Resource to ${groupArn}:* (or "*").`,
        );
      }
      return missing(`Role ${role.roleName}'s permissions allow ${diagnosis.actions.join(', ')} but not on log group ${group.logGroupName} (${groupArn}:*); set the Resource to "*" or to that ARN.`);
    }
    case 'not-allowed': {
      const { actions: lacking } = diagnosis;
      return missing(`Role ${role.roleName}'s permissions do not allow ${lacking.join(', ')}; add ${lacking.length > 1 ? 'them' : 'it'} to its policy.`);
    }
    case 'allowed': {
      const note = diagnosis.unreadable.length > 0 ? ` (policy ${names(diagnosis.unreadable)} could not be read)` : '';
      return found([...actions], `${role.roleName} allows ${actions.join(', ')} on log group ${group.logGroupName}${note}.`);
    }
  }
}
