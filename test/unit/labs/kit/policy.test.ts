import {
  accountOfArn,
  actionMatches,
  allows,
  decodePolicyDocument,
  evaluate,
  logGroupArns,
  normalisePolicy,
  trustedServices,
  trustsService,
  wildcardMatch,
} from '../../../../server/labs/kit/policy';

const FLOW_LOGS = 'vpc-flow-logs.amazonaws.com';
const GROUP_ARNS = logGroupArns('us-east-1', '111122223333', 'vpc-flow-logs-lab');

function allow(action: string | string[], resource: string | string[] = '*', extra: Record<string, unknown> = {}) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }] };
}

function trust(principal: unknown, action: unknown = 'sts:AssumeRole', effect = 'Allow') {
  return { Version: '2012-10-17', Statement: [{ Effect: effect, Principal: principal, Action: action }] };
}

describe('policy: decodePolicyDocument', () => {
  it('URL-encoded document (as IAM returns it): decoded, then parsed', () => {
    const encoded = encodeURIComponent(JSON.stringify(trust({ Service: FLOW_LOGS })));
    expect(encoded.startsWith('%7B')).toBe(true);
    expect(decodePolicyDocument(encoded)).toEqual(trust({ Service: FLOW_LOGS }));
  });

  it('plain JSON (as moto returns some documents): parsed as it is', () => {
    expect(decodePolicyDocument(' {"Version":"2012-10-17","Statement":[]} ')).toEqual({ Version: '2012-10-17', Statement: [] });
  });

  it('text that is not a JSON object: throws', () => {
    expect(() => decodePolicyDocument('not json')).toThrow();
    expect(() => decodePolicyDocument('[1,2]')).toThrow(/not a JSON object/);
  });
});

describe('policy: normalisePolicy', () => {
  it('Statement as a single object and Action as a string: one statement with list fields', () => {
    const statements = normalisePolicy({ Statement: { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' } });
    expect(statements).toEqual([
      expect.objectContaining({ effect: 'Allow', action: ['logs:PutLogEvents'], resource: ['*'], hasCondition: false }),
    ]);
  });

  it('Principal "*" means everyone; Principal.Service may be a list', () => {
    expect(normalisePolicy(trust('*'))[0].principal).toEqual({ everyone: true, service: [], aws: [], federated: [] });
    expect(normalisePolicy(trust({ Service: ['ec2.amazonaws.com', FLOW_LOGS] }))[0].principal?.service).toEqual(['ec2.amazonaws.com', FLOW_LOGS]);
  });

  it('skips statements without a valid Effect and documents that are not objects', () => {
    expect(normalisePolicy({ Statement: [{ Effect: 'Maybe', Action: '*' }, 'junk', { Effect: 'deny', Action: '*' }] })).toEqual([
      expect.objectContaining({ effect: 'Deny' }),
    ]);
    expect(normalisePolicy(null)).toEqual([]);
    expect(normalisePolicy({ Version: '2012-10-17' })).toEqual([]);
  });
});

describe('policy: wildcard matching', () => {
  it('actions: logs:*, logs:Put* and * match; other services do not', () => {
    expect(actionMatches('logs:*', 'logs:PutLogEvents')).toBe(true);
    expect(actionMatches('logs:Put*', 'logs:PutLogEvents')).toBe(true);
    expect(actionMatches('*', 'logs:DescribeLogStreams')).toBe(true);
    expect(actionMatches('logs:Put*', 'logs:CreateLogStream')).toBe(false);
    expect(actionMatches('ec2:*', 'logs:PutLogEvents')).toBe(false);
  });

  it('actions are case-insensitive; ? stands for exactly one character', () => {
    expect(actionMatches('LOGS:putlogevents', 'logs:PutLogEvents')).toBe(true);
    expect(actionMatches('logs:Describe?ogGroups', 'logs:DescribeLogGroups')).toBe(true);
    expect(actionMatches('logs:Describe?LogGroups', 'logs:DescribeLogGroups')).toBe(false);
  });

  it('resources: * spans colons, matching is case-sensitive and regex characters are literal', () => {
    expect(wildcardMatch('arn:aws:logs:*:*:log-group:vpc-*', GROUP_ARNS[0])).toBe(true);
    expect(wildcardMatch('arn:aws:logs:us-east-1:111122223333:log-group:VPC-FLOW-LOGS-LAB', GROUP_ARNS[0])).toBe(false);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
  });
});

describe('policy: evaluate and allows', () => {
  it('Allow * on Resource "*": every logs action is allowed on the group', () => {
    expect(allows([allow('*')], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
    expect(allows([allow('logs:*')], 'logs:DescribeLogStreams', GROUP_ARNS)).toBe(true);
  });

  it('Deny wins over Allow, across documents too', () => {
    const deny = { Statement: [{ Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: '*' }] };
    expect(evaluate([allow('logs:*'), deny], 'logs:PutLogEvents', GROUP_ARNS)).toBe('deny');
    expect(allows([allow('logs:*'), deny], 'logs:PutLogEvents', GROUP_ARNS)).toBe(false);
    expect(allows([allow('logs:*'), deny], 'logs:CreateLogStream', GROUP_ARNS)).toBe(true);
  });

  it('nothing applies: the decision is none (an implicit deny)', () => {
    expect(evaluate([allow('logs:CreateLogStream')], 'logs:PutLogEvents', GROUP_ARNS)).toBe('none');
    expect(evaluate([], 'logs:PutLogEvents', GROUP_ARNS)).toBe('none');
  });

  it('the group ARN and its :* form both count as covering the log group; another group does not', () => {
    expect(allows([allow('logs:PutLogEvents', GROUP_ARNS[0])], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
    expect(allows([allow('logs:PutLogEvents', `${GROUP_ARNS[0]}:*`)], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
    const other = 'arn:aws:logs:us-east-1:111122223333:log-group:other-group:*';
    expect(allows([allow('logs:PutLogEvents', other)], 'logs:PutLogEvents', GROUP_ARNS)).toBe(false);
    expect(allows([allow('logs:PutLogEvents', other)], 'logs:PutLogEvents')).toBe(true);
  });

  it('NotAction and NotResource invert the match', () => {
    const notAction = { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] };
    expect(allows([notAction], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
    expect(allows([notAction], 'iam:PassRole', GROUP_ARNS)).toBe(false);
    const notResource = { Statement: [{ Effect: 'Allow', Action: 'logs:*', NotResource: GROUP_ARNS[1] }] };
    expect(allows([notResource], 'logs:PutLogEvents', GROUP_ARNS)).toBe(false);
  });

  it('conditions are not evaluated: an Allow with one still allows, a Deny with one still denies', () => {
    const condition = { Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } };
    expect(allows([allow('logs:*', '*', condition)], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
    const deny = { Statement: [{ Effect: 'Deny', Action: 'logs:*', Resource: '*', ...condition }] };
    expect(evaluate([allow('logs:*'), deny], 'logs:PutLogEvents', GROUP_ARNS)).toBe('deny');
  });

  it('null documents (unreadable) are ignored', () => {
    expect(allows([null, allow('logs:*')], 'logs:PutLogEvents', GROUP_ARNS)).toBe(true);
  });
});

describe('policy: trustsService', () => {
  it('the lab trust policy trusts vpc-flow-logs.amazonaws.com', () => {
    expect(trustsService(trust({ Service: FLOW_LOGS }), FLOW_LOGS)).toBe(true);
  });

  it('Principal.Service as a list, sts:* and a Statement object all count', () => {
    expect(trustsService(trust({ Service: ['ec2.amazonaws.com', FLOW_LOGS] }), FLOW_LOGS)).toBe(true);
    expect(trustsService(trust({ Service: FLOW_LOGS }, 'sts:*'), FLOW_LOGS)).toBe(true);
    expect(trustsService({ Statement: { Effect: 'Allow', Principal: { Service: FLOW_LOGS }, Action: ['sts:AssumeRole'] } }, FLOW_LOGS)).toBe(true);
  });

  it('Principal "*" trusts everyone, so the service too', () => {
    expect(trustsService(trust('*'), FLOW_LOGS)).toBe(true);
    expect(trustsService(trust({ AWS: '*' }), FLOW_LOGS)).toBe(true);
  });

  it('another service, another action or an account principal: not trusted', () => {
    expect(trustsService(trust({ Service: 'ec2.amazonaws.com' }), FLOW_LOGS)).toBe(false);
    expect(trustsService(trust({ Service: FLOW_LOGS }, 'sts:TagSession'), FLOW_LOGS)).toBe(false);
    expect(trustsService(trust({ AWS: 'arn:aws:iam::111122223333:root' }), FLOW_LOGS)).toBe(false);
    expect(trustsService(null, FLOW_LOGS)).toBe(false);
  });

  it('a Deny for the service wins, and so does a Deny with NotPrincipal that does not list it', () => {
    const allowed = trust({ Service: FLOW_LOGS }).Statement[0];
    const denyService = { Statement: [allowed, { Effect: 'Deny', Principal: { Service: FLOW_LOGS }, Action: 'sts:AssumeRole' }] };
    expect(trustsService(denyService, FLOW_LOGS)).toBe(false);
    const denyOthers = { Statement: [allowed, { Effect: 'Deny', NotPrincipal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    expect(trustsService(denyOthers, FLOW_LOGS)).toBe(false);
  });

  it('trustedServices: lists the services an Allow names for sts:AssumeRole, for hints', () => {
    expect(trustedServices(trust({ Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] }))).toEqual(['ec2.amazonaws.com', 'lambda.amazonaws.com']);
    expect(trustedServices(trust({ Service: 'ec2.amazonaws.com' }, 'sts:TagSession'))).toEqual([]);
  });
});

describe('policy: ARNs', () => {
  it('logGroupArns: the group ARN and its :* form', () => {
    expect(GROUP_ARNS).toEqual([
      'arn:aws:logs:us-east-1:111122223333:log-group:vpc-flow-logs-lab',
      'arn:aws:logs:us-east-1:111122223333:log-group:vpc-flow-logs-lab:*',
    ]);
  });

  it('accountOfArn: the account field, or undefined when empty', () => {
    expect(accountOfArn('arn:aws:iam::111122223333:role/VPCFlowLogsDeliveryRole')).toBe('111122223333');
    expect(accountOfArn('arn:aws:s3:::bucket')).toBeUndefined();
  });
});
