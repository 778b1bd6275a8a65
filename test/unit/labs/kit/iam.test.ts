import { hintOf } from '../../../helpers/snapshots';
import { allowsAll, diagnosePermissions, findServiceRole, logsActionResources, logsPermissions, rolesTrusting, roleNameOf, trustFinding } from '../../../../server/labs/kit/iam';
import type { IamRole, IamRolePolicy } from '../../../../server/verify/snapshot';

const SERVICE = 'vpc-flow-logs.amazonaws.com';
const GROUP = { region: 'us-east-1', accountId: '111122223333', logGroupName: 'app-logs' };
const GROUP_ARN = 'arn:aws:logs:us-east-1:111122223333:log-group:app-logs';
const ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'];

const policy = (name: string, statement: unknown): IamRolePolicy => ({ name, kind: 'inline', document: { Version: '2012-10-17', Statement: statement } });
const role = (name: string, trustPolicy: IamRole['trustPolicy']): IamRole => ({ roleName: name, arn: `arn:aws:iam::111122223333:role/${name}`, trustPolicy, policies: [] });
const trust = (principal: unknown) => ({ Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const realResources = (action: string) => logsActionResources(action, GROUP);

describe('rolesTrusting', () => {
  it('by service, as a string or in a list; not another service, not an unreadable trust policy', () => {
    const roles = [role('One', trust({ Service: SERVICE })), role('Two', trust({ Service: ['ec2.amazonaws.com', SERVICE] })), role('Ec2', trust({ Service: 'ec2.amazonaws.com' })), role('Unread', null)];
    expect(rolesTrusting(roles, SERVICE).map((r) => r.roleName)).toEqual(['One', 'Two']);
  });

  it('roleNameOf: the last path segment', () => {
    expect(roleNameOf('arn:aws:iam::1:role/service/Delivery')).toBe('Delivery');
  });
});

describe('logsActionResources', () => {
  it('stream actions are evaluated on a stream of the group, group actions on the group', () => {
    expect(logsActionResources('logs:PutLogEvents', GROUP)).toEqual([`${GROUP_ARN}:log-stream:*`]);
    expect(logsActionResources('logs:DescribeLogStreams', GROUP)).toEqual([GROUP_ARN, `${GROUP_ARN}:*`]);
  });
});

describe('diagnosePermissions for logs:PutLogEvents, against the resource the action really needs', () => {
  const on = (resource: string) => [policy('P', { Effect: 'Allow', Action: ACTIONS, Resource: resource })];

  it('log-group:NAME (no :*): PutLogEvents and CreateLogStream are on another resource', () => {
    expect(diagnosePermissions(on(GROUP_ARN), ACTIONS, realResources)).toEqual({ kind: 'other-resource', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
  });

  it('log-group:NAME:* and *: allowed', () => {
    expect(diagnosePermissions(on(`${GROUP_ARN}:*`), ACTIONS, realResources)).toEqual({ kind: 'allowed', unreadable: [] });
    expect(diagnosePermissions(on('*'), ACTIONS, realResources)).toEqual({ kind: 'allowed', unreadable: [] });
    expect(allowsAll(on('*'), ACTIONS, realResources)).toBe(true);
    expect(allowsAll(on(GROUP_ARN), ACTIONS, realResources)).toBe(false);
  });

  it('denied by: an explicit Deny names its policy and the first action it denies', () => {
    const policies = [...on('*'), policy('NoWrites', { Effect: 'Deny', Action: 'logs:Put*', Resource: '*' })];
    expect(diagnosePermissions(policies, ACTIONS, realResources)).toMatchObject({ kind: 'denied', action: 'logs:PutLogEvents', policy: { name: 'NoWrites' } });
  });

  it('not allowed: lists exactly the actions no statement allows', () => {
    const policies = [policy('P', { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:Describe*'], Resource: '*' })];
    expect(diagnosePermissions(policies, ACTIONS, realResources)).toEqual({ kind: 'not-allowed', actions: ['logs:PutLogEvents'] });
  });

  it('unreadable: a missing action with a policy that could not be read is unknown, not a failure', () => {
    const unread: IamRolePolicy = { name: 'Managed', kind: 'managed', document: null, unreadable: { reason: 'the role lacks iam:GetPolicyVersion', permission: 'iam:GetPolicyVersion' } };
    const partial = [policy('P', { Effect: 'Allow', Action: 'logs:Describe*', Resource: '*' }), unread];
    expect(diagnosePermissions(partial, ACTIONS, realResources)).toMatchObject({ kind: 'unreadable', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], unreadable: [unread] });
    expect(diagnosePermissions([...on('*'), unread], ACTIONS, realResources)).toEqual({ kind: 'allowed', unreadable: [unread] });
  });

  it('no policies at all', () => {
    expect(diagnosePermissions([], ACTIONS, realResources)).toEqual({ kind: 'no-policies' });
  });
});

describe('findServiceRole and trustFinding', () => {
  const withPolicy = (r: IamRole, resource = '*'): IamRole => ({ ...r, policies: [policy('P', { Effect: 'Allow', Action: ACTIONS, Resource: resource })] });
  const wanted = { service: SERVICE, name: 'DeliveryRole', allowsAll: (r: IamRole) => allowsAll(r.policies, ACTIONS, realResources) };

  it('among trusted roles: the one in use wins, and the note says why', () => {
    const roles = [withPolicy(role('Newer', trust({ Service: SERVICE }))), role('Used', trust({ Service: SERVICE }))];
    const choice = findServiceRole(roles, { ...wanted, usedArn: roles[1].arn, usedBy: 'the flow log' });
    expect(choice).toMatchObject({ ok: true, value: { role: { roleName: 'Used' }, trusted: true, note: '2 roles trust vpc-flow-logs.amazonaws.com (Newer, Used); using Used because the flow log uses it.' } });
  });

  it('nothing trusts the service: the role named as the lab says is the attempt, and trustFinding names what it trusts', () => {
    const attempt = findServiceRole([role('Lambda', trust({ Service: 'lambda.amazonaws.com' })), role('deliveryrole', trust({ Service: 'ec2.amazonaws.com' }))], wanted);
    expect(attempt).toMatchObject({ ok: true, value: { role: { roleName: 'deliveryrole' }, trusted: false } });
    expect(trustFinding(attempt, SERVICE)).toMatchObject({ ok: false, hint: expect.stringContaining('Role deliveryrole is trusted by ec2.amazonaws.com, not vpc-flow-logs.amazonaws.com') });
  });

  it('no attempt at all: missing, naming the role to create; an unreadable trust policy makes it unknown', () => {
    expect(findServiceRole([], wanted)).toMatchObject({ ok: false, hint: 'No role trusts vpc-flow-logs.amazonaws.com; create DeliveryRole with the trust policy from this step.' });
    expect(findServiceRole([role('Hidden', null)], wanted).ok).toBe('unknown');
  });
});

describe('logsPermissions: in words', () => {
  const withDoc = (statement: unknown): IamRole => ({ ...role('Delivery', trust({ Service: SERVICE })), policies: [policy('P', statement)] });

  it('Resource is the bare group ARN: says the stream actions are authorised on streams and shows the :* form', () => {
    const hint = hintOf(logsPermissions(withDoc({ Effect: 'Allow', Action: ACTIONS, Resource: GROUP_ARN }), ACTIONS, GROUP));
    expect(hint).toBe(
      `Role Delivery's policies allow logs:CreateLogStream, logs:PutLogEvents only on the log group itself (${GROUP_ARN}). ` +
        `AWS authorises these actions on the group's log streams (${GROUP_ARN}:log-stream:…), so the role cannot write log events; set the Resource to ${GROUP_ARN}:* (or "*").`,
    );
  });

  it('another group altogether: says the resource does not cover this group', () => {
    const other = 'arn:aws:logs:us-east-1:111122223333:log-group:other:*';
    expect(hintOf(logsPermissions(withDoc({ Effect: 'Allow', Action: ACTIONS, Resource: other }), ACTIONS, GROUP))).toContain('but not on log group app-logs');
  });

  it('the :* form passes; a missing action and a Deny are named', () => {
    expect(logsPermissions(withDoc({ Effect: 'Allow', Action: ACTIONS, Resource: `${GROUP_ARN}:*` }), ACTIONS, GROUP).ok).toBe(true);
    expect(hintOf(logsPermissions(withDoc({ Effect: 'Allow', Action: ACTIONS.slice(1), Resource: '*' }), ACTIONS, GROUP))).toContain('do not allow logs:CreateLogStream');
    const denied = withDoc([{ Effect: 'Allow', Action: ACTIONS, Resource: '*' }, { Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: '*' }]);
    expect(hintOf(logsPermissions(denied, ACTIONS, GROUP))).toBe("Role Delivery's policy P denies logs:PutLogEvents; remove that Deny.");
  });
});
