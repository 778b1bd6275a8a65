// The checks of the VPC Flow Logs lab: one pure function per step over an AccountSnapshot.
import type { CheckContext, CheckLine, LabChecks, StepCheck, StepResult } from '../../server/labs/check-types';
import { cidrContains } from '../../server/verify/cidr';
import { accountOfArn, evaluate, logGroupArns, trustedServices, trustsService } from '../../server/verify/policy';
import type { AccountSnapshot, FlowLog, FlowRecord, IamRole, InsightsQuery, Instance, LogGroup, Need, RouteTable } from '../../server/verify/snapshot';
import {
  FLOW_LOGS_SERVICE,
  LAB_LOG_GROUP,
  LAB_QUERY,
  LAB_ROLE_NAME,
  LATE_RECORDS,
  OTHER,
  SIDES,
  after,
  allOf,
  blocked,
  capitalise,
  choiceNote,
  choose,
  clean,
  describeRoute,
  flowLogGroupName,
  formatTime,
  found,
  icmpAllowance,
  icmpRecords,
  joinDetails,
  labModel,
  missing,
  queryShape,
  readPart,
  recordsNote,
  routeFor,
  summariseRecord,
  toLine,
  unknown,
  type FlowLogChoice,
  type FlowRecordsA,
  type Found,
  type LabModel,
  type ReadyInstance,
  type Side,
  type SubnetRouting,
  type VpcChoice,
} from './lab-model';

const ROUTING: Need[] = ['vpcs', 'subnets', 'routeTables', 'internetGateways'];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'];
const MAX_RECORDS_IN_EVIDENCE = 20;

function result(checks: CheckLine[], evidence: Record<string, unknown>): StepResult {
  return { passed: checks.every((c) => c.ok === true), checks, evidence: clean(evidence) };
}

function valueOf<T>(piece: Found<T>): T | undefined {
  return piece.ok === true ? piece.value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Evidence shapes

function vpcEvidence(choice: VpcChoice | undefined) {
  return choice && { vpcId: choice.vpc.vpcId, cidr: SIDES[choice.side].cidr };
}

function subnetEvidence(routing: SubnetRouting | undefined) {
  return (
    routing &&
    clean({
      subnetId: routing.subnet.subnetId,
      cidr: routing.subnet.cidrBlock,
      routeTableId: routing.routeTable?.routeTableId,
      internetGatewayId: routing.internetGatewayId,
    })
  );
}

function instanceEvidence(instance: Instance | undefined) {
  return (
    instance &&
    clean({
      instanceId: instance.instanceId,
      state: instance.state,
      subnetId: instance.subnetId,
      privateIp: instance.privateIpAddress,
      publicIp: instance.publicIpAddress,
      securityGroupIds: instance.securityGroupIds,
    })
  );
}

function recordsEvidence(records: readonly FlowRecord[]) {
  return [...records]
    .sort((x, y) => (x.start ?? 0) - (y.start ?? 0))
    .slice(0, MAX_RECORDS_IN_EVIDENCE)
    .map(summariseRecord);
}

// ---------------------------------------------------------------------------------------------
// Step 1: vpcs

const vpcs: StepCheck = {
  needs: ROUTING,
  run(snapshot) {
    const m = labModel(snapshot);
    const sides: Side[] = ['A', 'B'];
    const exists = sides.map((side) => toLine(`${SIDES[side].name} (${SIDES[side].cidr}) exists`, m.vpc(side)));
    const publics = sides.map((side) => {
      const vpc = m.vpc(side);
      const piece = vpc.ok === true ? m.publicSubnet(side) : blocked(vpc, 'vpcs', `Create ${SIDES[side].name} first (see above).`);
      return toLine(`${SIDES[side].name} has a public subnet`, piece);
    });
    return result([...exists, ...publics], {
      vpcA: vpcEvidence(valueOf(m.vpc('A'))),
      vpcB: vpcEvidence(valueOf(m.vpc('B'))),
      publicSubnetA: subnetEvidence(valueOf(m.publicSubnet('A'))),
      publicSubnetB: subnetEvidence(valueOf(m.publicSubnet('B'))),
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 2: instances

function instanceLines(m: LabModel, side: Side): CheckLine[] {
  const facts = SIDES[side];
  const label = capitalise(facts.instance);
  const vpc = m.vpc(side);
  const candidate = m.instanceCandidate(side);
  if (vpc.ok !== true) {
    const piece = after(vpc, 'vpcs');
    return [toLine(`${label} runs in a public subnet of ${facts.name}`, piece), toLine(`${label} has a public IPv4 address`, piece)];
  }
  if (candidate.ok !== true) {
    return [
      toLine(`${label} runs in a public subnet of ${facts.name}`, candidate),
      toLine(`${label} has a public IPv4 address`, blocked(candidate, 'instances', `Launch ${facts.instance} first (see above).`)),
    ];
  }
  const r = m.readiness(side);
  const placed = allOf(r.running, r.publicSubnet);
  const where = placed.ok === true ? placed.value[1].subnet : undefined;
  const placedDetail = where && joinDetails(`${candidate.value.instance.instanceId} is running in ${where.cidrBlock} (${where.subnetId}).`, candidate.value.note);
  return [toLine(`${label} runs in a public subnet of ${facts.name}`, placed, placedDetail), toLine(`${label} has a public IPv4 address`, r.publicIp)];
}

function icmpLine(m: LabModel, snapshot: AccountSnapshot): { line: CheckLine; allowance?: unknown } {
  const label = "Instance 2's security groups allow ICMP from instance 1";
  const pieces = allOf(m.vpc('A'), m.instanceCandidate('A'), m.instanceCandidate('B'));
  if (pieces.ok !== true) return { line: toLine(label, blocked(pieces, 'instances', 'Launch both instances first (see above).')) };
  const [vpcA, a, b] = pieces.value;
  const groupsPart = readPart(snapshot, 'securityGroups');
  if (groupsPart.ok !== true) return { line: toLine(label, groupsPart) };
  const privateIp = a.instance.privateIpAddress;
  if (!privateIp) return { line: toLine(label, missing(`Instance 1 (${a.instance.instanceId}) has no private IPv4 address; launch a new one.`)) };
  const groups = groupsPart.value.filter((g) => b.instance.securityGroupIds.includes(g.groupId));
  const allowance = icmpAllowance(groups, {
    privateIp,
    publicIp: a.instance.publicIpAddress,
    vpcCidr: SIDES[vpcA.side].cidr,
    groupIds: a.instance.securityGroupIds,
  });
  if (allowance.ok !== true) return { line: toLine(label, allowance) };
  const { groupId, rule, source, coversPublicIp } = allowance.value;
  const publicIp = a.instance.publicIpAddress ? ` ${a.instance.publicIpAddress}` : '';
  const publicNote = coversPublicIp
    ? undefined
    : `Note: no rule covers instance 1's public address${publicIp}, so the ping to instance 2's public address in step 5 will get no reply; 0.0.0.0/0 covers both.`;
  const detail = joinDetails(`${groupId} allows ${rule}; ${source} covers instance 1 (${privateIp}).`, publicNote);
  return { line: toLine(label, allowance, detail), allowance: { groupId, rule, source } };
}

const instances: StepCheck = {
  needs: [...ROUTING, 'instances', 'securityGroups'],
  run(snapshot) {
    const m = labModel(snapshot);
    const icmp = icmpLine(m, snapshot);
    return result([...instanceLines(m, 'A'), ...instanceLines(m, 'B'), icmp.line], {
      vpcA: vpcEvidence(valueOf(m.vpc('A'))),
      vpcB: vpcEvidence(valueOf(m.vpc('B'))),
      instanceA: instanceEvidence(valueOf(m.instanceCandidate('A'))?.instance),
      instanceB: instanceEvidence(valueOf(m.instanceCandidate('B'))?.instance),
      icmpRule: icmp.allowance,
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 3: flow-logs

interface ChosenLogGroup {
  group: LogGroup;
  flowLogId?: string;
}

function logGroupPiece(m: LabModel, snapshot: AccountSnapshot, ctx: CheckContext): Found<ChosenLogGroup> {
  const groupsPart = readPart(snapshot, 'logGroups');
  if (groupsPart.ok !== true) return groupsPart;
  const groups = groupsPart.value;
  const flowLog = m.flowLogA();

  // Rule 1: the group that the flow log on VPC 1 delivers to.
  const target = flowLog.ok === true ? flowLog.value.groupName : undefined;
  const delivered = target !== undefined ? groups.find((g) => g.logGroupName === target) : undefined;
  if (delivered && flowLog.ok === true) {
    const { flowLogId } = flowLog.value.flowLog;
    return found({ group: delivered, flowLogId }, `${delivered.logGroupName}: flow log ${flowLogId} on VPC 1 delivers to it.`);
  }

  // Rule 2: a group created since the learner began the lab.
  const since = ctx.labStartedAt?.getTime();
  if (since !== undefined) {
    const recent = groups.filter((g) => g.creationTime !== undefined && g.creationTime >= since);
    const choice = choose(recent, [
      { score: (g) => g.logGroupName === LAB_LOG_GROUP, because: 'it has the name the lab uses' },
      { score: (g) => g.creationTime ?? 0, because: 'it is the newest' },
    ]);
    if (choice) {
      const g = choice.chosen;
      const note = choiceNote(choice, 'log groups were created since you began the lab', (x) => x.logGroupName, recent);
      const when = `created ${formatTime(g.creationTime!)}, after you began the lab (${formatTime(since)})`;
      return found({ group: g }, joinDetails(`${g.logGroupName}, ${when}.`, note));
    }
  } else {
    const named = groups.find((g) => g.logGroupName === LAB_LOG_GROUP);
    if (named) {
      const why = 'Verilab does not know when you began the lab, so it looked for the group the lab names';
      return found({ group: named }, `${named.logGroupName} exists (${why}).`);
    }
  }

  if (flowLog.ok === 'unknown') return flowLog;
  if (target !== undefined && flowLog.ok === true) {
    return missing(`Flow log ${flowLog.value.flowLog.flowLogId} on VPC 1 delivers to log group ${target}, which does not exist; create log group ${target}.`);
  }
  const old = groups.find((g) => g.logGroupName === LAB_LOG_GROUP);
  if (old && since !== undefined) {
    const created = old.creationTime !== undefined ? `was created ${formatTime(old.creationTime)}` : 'already existed';
    return missing(`Log group ${LAB_LOG_GROUP} ${created}, before you began the lab (${formatTime(since)}); it counts once a flow log on VPC 1 delivers to it (step 4), or create a new log group now.`);
  }
  const sinceText = since !== undefined ? `No log group was created since you began the lab (${formatTime(since)}); create` : 'Create';
  return missing(`${sinceText} a CloudWatch Logs log group named ${LAB_LOG_GROUP}.`);
}

const flowLogs: StepCheck = {
  needs: [...ROUTING, 'flowLogs', 'logGroups'],
  run(snapshot, ctx) {
    const m = labModel(snapshot);
    const group = logGroupPiece(m, snapshot, ctx);
    const chosen = valueOf(group);
    const g = chosen?.group;
    const createdAt = g?.creationTime !== undefined ? new Date(g.creationTime).toISOString() : undefined;
    return result([toLine("A log group for VPC 1's flow logs exists", group)], {
      logGroup: g && clean({ logGroupName: g.logGroupName, arn: g.arn, createdAt }),
      flowLogId: chosen?.flowLogId,
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 4: iam-role

interface RoleChoice {
  role: IamRole;
  trusted: boolean;
  note?: string;
}

function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The delivery role: one that trusts the flow logs service (the one the flow log uses first), else the learner's closest attempt. */
function findRole(roles: readonly IamRole[], flowLog: FlowLog | undefined, allowsAll: (r: IamRole) => boolean, ctx: CheckContext): Found<RoleChoice> {
  const usedArn = flowLog?.deliverLogsPermissionArn;
  const trusted = roles.filter((r) => r.trustPolicy !== null && trustsService(r.trustPolicy, FLOW_LOGS_SERVICE));
  const newest = { score: (r: IamRole) => Date.parse(r.createDate ?? '') || 0, because: 'it is the newest' };
  const used = { score: (r: IamRole) => r.arn === usedArn, because: 'the flow log on VPC 1 uses it' };
  const trustedChoice = choose(trusted, [used, { score: allowsAll, because: 'its policies allow the log actions' }, newest]);
  if (trustedChoice) {
    const note = choiceNote(trustedChoice, `roles trust ${FLOW_LOGS_SERVICE}`, (r) => r.roleName, trusted);
    return found({ role: trustedChoice.chosen, trusted: true, note });
  }
  // Nothing trusts the service: look for the learner's attempt, to name what is wrong with it.
  const since = ctx.labStartedAt?.getTime();
  const named = (r: IamRole) => r.roleName.toLowerCase() === LAB_ROLE_NAME.toLowerCase();
  const attempts = roles.filter(
    (r) => r.arn === usedArn || named(r) || (since !== undefined && (Date.parse(r.createDate ?? '') || 0) >= since && trustedServices(r.trustPolicy).length > 0),
  );
  const attempt = choose(attempts, [used, { score: named, because: `it is named ${LAB_ROLE_NAME}` }, { score: allowsAll, because: 'its policies allow the log actions' }, newest]);
  if (attempt) return found({ role: attempt.chosen, trusted: false });
  const unreadable = roles.filter((r) => r.trustPolicy === null).map((r) => r.roleName);
  if (unreadable.length > 0) return unknown(`Could not check: could not read the trust policy of ${unreadable.join(', ')}.`);
  return missing(`No role trusts ${FLOW_LOGS_SERVICE}; create ${LAB_ROLE_NAME} with the trust policy from this step.`);
}

function trustPiece(choice: Found<RoleChoice>): Found<RoleChoice> {
  if (choice.ok !== true || choice.value.trusted) return choice;
  const { role } = choice.value;
  if (role.trustPolicy === null) return unknown(`Could not check: could not read the trust policy of role ${role.roleName}.`);
  const services = trustedServices(role.trustPolicy).filter((s) => s !== FLOW_LOGS_SERVICE);
  const fix = `edit its trust policy so that the Principal is { "Service": "${FLOW_LOGS_SERVICE}" } with the action sts:AssumeRole`;
  return services.length > 0
    ? missing(`Role ${role.roleName} is trusted by ${services.join(' and ')}, not ${FLOW_LOGS_SERVICE}; ${fix}.`)
    : missing(`Role ${role.roleName}'s trust policy does not let ${FLOW_LOGS_SERVICE} assume it; ${fix}.`);
}

function permissionsPiece(choice: Found<RoleChoice>, arnsFor: (role: IamRole) => string[], groupName: string): Found<string[]> {
  if (choice.ok !== true) return blocked(choice, 'iam-role', 'Create the role first (see above).');
  const { role } = choice.value;
  const readable = role.policies.filter((p) => p.document !== null);
  const unreadable = role.policies.filter((p) => p.document === null).map((p) => p.name);
  if (role.policies.length === 0) {
    return missing(`Role ${role.roleName} has no permissions policy; add the inline policy from this step (${LOG_ACTIONS.join(', ')}).`);
  }
  const arns = arnsFor(role);
  const docs = readable.map((p) => p.document);
  for (const action of LOG_ACTIONS) {
    const denier = readable.find((p) => evaluate([p.document], action, arns) === 'deny');
    if (denier) return missing(`Role ${role.roleName}'s policy ${denier.name} denies ${action}; remove that Deny.`);
  }
  const notAllowed = LOG_ACTIONS.filter((action) => evaluate(docs, action, arns) !== 'allow');
  if (notAllowed.length > 0 && unreadable.length > 0) {
    return unknown(`Could not check: could not read policy ${unreadable.join(', ')} of role ${role.roleName}.`);
  }
  if (notAllowed.length > 0) {
    const elsewhere = notAllowed.every((action) => evaluate(docs, action) === 'allow');
    return elsewhere
      ? missing(`Role ${role.roleName}'s permissions allow ${notAllowed.join(', ')} but not on log group ${groupName} (${arns[1]}); set the Resource to "*" or to that ARN.`)
      : missing(`Role ${role.roleName}'s permissions do not allow ${notAllowed.join(', ')}; add ${notAllowed.length > 1 ? 'them' : 'it'} to its policy.`);
  }
  const note = unreadable.length > 0 ? ` (policy ${unreadable.join(', ')} could not be read)` : '';
  return found(LOG_ACTIONS, `${role.roleName} allows ${LOG_ACTIONS.join(', ')} on log group ${groupName}${note}.`);
}

function flowLogPieces(fl: Found<FlowLogChoice>, role: Found<RoleChoice>, roles: Found<IamRole[]>) {
  if (fl.ok !== true) {
    const needFlowLog = blocked(fl, 'iam-role', 'Create a flow log on VPC 1 first (see above).');
    return { traffic: fl, delivery: needFlowLog, status: needFlowLog, interval: needFlowLog };
  }
  const f = fl.value.flowLog;
  const id = f.flowLogId;
  const traffic =
    f.trafficType === 'ALL'
      ? found(f.trafficType, joinDetails(`${id} records ALL traffic.`, fl.value.note))
      : missing(`The flow log on VPC 1 (${id}) captures ${f.trafficType} traffic only; create one with traffic type ALL (a flow log cannot be changed, so delete this one).`);
  return { traffic, delivery: deliveryPiece(f, role, roles), status: statusPiece(f), interval: intervalPiece(f) };
}

function deliveryPiece(f: FlowLog, role: Found<RoleChoice>, roles: Found<IamRole[]>): Found<string> {
  const id = f.flowLogId;
  const group = flowLogGroupName(f);
  if (f.logDestinationType !== 'cloud-watch-logs' || !group) {
    return missing(`Flow log ${id} sends its records to ${f.logDestinationType}, not to a CloudWatch Logs log group; create one with destination CloudWatch Logs and log group ${LAB_LOG_GROUP}.`);
  }
  const usedArn = f.deliverLogsPermissionArn;
  if (!usedArn) return missing(`Flow log ${id} has no IAM role; create one that uses ${LAB_ROLE_NAME}.`);
  if (roles.ok !== true) return roles;
  if (role.ok !== true) return missing(`Flow log ${id} uses role ${roleName(usedArn)}, which does not trust ${FLOW_LOGS_SERVICE}; fix the role first (see above).`);
  const r = role.value.role;
  if (r.arn !== usedArn) {
    const exists = roles.value.some((x) => x.arn === usedArn);
    const why = exists ? '' : ', which does not exist';
    return missing(`Flow log ${id} uses role ${roleName(usedArn)}${why}, not ${r.roleName}; create a flow log that uses ${r.roleName} (${r.arn}).`);
  }
  return found(group, `${id} → log group ${group} with role ${r.roleName}.`);
}

function statusPiece(f: FlowLog): Found<string> {
  if (f.flowLogStatus !== 'ACTIVE') return missing(`Flow log ${f.flowLogId} is ${f.flowLogStatus}, not ACTIVE; create a new one.`);
  if (f.deliverLogsStatus === 'FAILED') {
    const reason = f.deliverLogsErrorMessage ?? 'no reason given';
    return missing(`Flow log ${f.flowLogId} delivery is failing: ${reason}. Check the role's trust and permissions policies.`);
  }
  return found(f.flowLogStatus, `ACTIVE; delivery ${f.deliverLogsStatus ?? 'not reported yet'}.`);
}

function intervalPiece(f: FlowLog): Found<number> {
  const interval = f.maxAggregationInterval;
  if (interval === 60) return found(interval, 'Every 60 seconds.');
  if (interval === undefined) return unknown("Could not check: AWS did not report the flow log's maximum aggregation interval.");
  return missing(
    `Flow log ${f.flowLogId} aggregates records over ${interval / 60} minutes (${interval} s); the lab asks for 1 minute so records arrive sooner: create a new flow log with maximum aggregation interval 1 minute and delete this one.`,
  );
}

const iamRole: StepCheck = {
  needs: [...ROUTING, 'flowLogs', 'iamRoles'],
  run(snapshot, ctx) {
    const m = labModel(snapshot);
    const vpcA = m.vpc('A');
    const fl: Found<FlowLogChoice> = vpcA.ok === true ? m.flowLogA() : after(vpcA, 'vpcs');
    const flowLog = valueOf(fl);
    const groupName = flowLog?.groupName ?? LAB_LOG_GROUP;
    const arnsFor = (r: IamRole) => logGroupArns(snapshot.region, snapshot.accountId ?? accountOfArn(r.arn) ?? '*', groupName);
    const allowsAll = (r: IamRole) => LOG_ACTIONS.every((a) => evaluate(r.policies.map((p) => p.document), a, arnsFor(r)) === 'allow');
    const roles = readPart(snapshot, 'iamRoles');
    const role: Found<RoleChoice> = roles.ok === true ? findRole(roles.value, flowLog?.flowLog, allowsAll, ctx) : roles;
    const trust = trustPiece(role);
    const pieces = flowLogPieces(fl, role, roles);
    const chosenRole = valueOf(role);
    const trustDetail = chosenRole && joinDetails(`${chosenRole.role.roleName} (${chosenRole.role.arn}).`, chosenRole.note);
    const groupNote = flowLog?.groupName ? '' : ` (no flow log on VPC 1 yet, so checked against ${LAB_LOG_GROUP})`;
    const permissions = permissionsPiece(role, arnsFor, groupName);
    return result(
      [
        toLine(`A role trusts ${FLOW_LOGS_SERVICE} to assume it`, trust, trustDetail),
        toLine("The role's policies allow the four logs actions on the log group", permissions, permissions.detail && `${permissions.detail}${groupNote}`),
        toLine('VPC 1 has a flow log that records ALL traffic', pieces.traffic),
        toLine('The flow log delivers to CloudWatch Logs with the role', pieces.delivery),
        toLine('The flow log is active and delivering', pieces.status),
        toLine('The flow log aggregates records every minute', pieces.interval),
      ],
      {
        roleArn: chosenRole?.role.arn,
        roleName: chosenRole?.role.roleName,
        trustedServices: chosenRole && trustedServices(chosenRole.role.trustPolicy),
        logGroupName: flowLog?.groupName,
        flowLog:
          flowLog &&
          clean({
            flowLogId: flowLog.flowLog.flowLogId,
            trafficType: flowLog.flowLog.trafficType,
            logDestinationType: flowLog.flowLog.logDestinationType,
            deliverLogsPermissionArn: flowLog.flowLog.deliverLogsPermissionArn,
            flowLogStatus: flowLog.flowLog.flowLogStatus,
            deliverLogsStatus: flowLog.flowLog.deliverLogsStatus,
            maxAggregationInterval: flowLog.flowLog.maxAggregationInterval,
          }),
      },
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Steps 5 and 7 share the flow-record lines

interface Traffic {
  a: ReadyInstance;
  b: ReadyInstance;
  flow: FlowRecordsA;
}

function trafficPiece(m: LabModel): Found<Traffic> {
  const ready = allOf(m.instance('A'), m.instance('B'));
  if (ready.ok !== true) return after(ready, 'instances');
  const flow = m.flowRecordsA();
  if (flow.ok !== true) return after(flow, 'iam-role');
  const [a, b] = ready.value;
  return found({ a, b, flow: flow.value });
}

function recordLine(
  label: string,
  traffic: Found<Traffic>,
  now: Date,
  look: (t: Traffic) => { records: FlowRecord[]; hint: string; what: string },
): CheckLine {
  if (traffic.ok !== true) return toLine(label, traffic);
  const { records, hint, what } = look(traffic.value);
  const note = recordsNote(traffic.value.flow, now);
  if (records.length === 0) return toLine(label, missing(hint, note));
  const sample = summariseRecord(records[0]);
  const packets = records.reduce((n, r) => n + (r.packets ?? 0), 0);
  return toLine(label, found(records), `${records.length} ${what} record(s), ${packets} packets, e.g. ${sample.src} → ${sample.dst} ${sample.action}.`);
}

function pingAgain(ip: string): string {
  return `On instance 1 run ping -c 5 ${ip}. ${LATE_RECORDS}`;
}

function trafficEvidence(traffic: Found<Traffic>, addresses: (t: Traffic) => string[]) {
  if (traffic.ok !== true) return {};
  const t = traffic.value;
  const wanted = new Set(addresses(t));
  const icmp = t.flow.records.filter((r) => r.protocol === 1 && wanted.has(r.srcAddr ?? '') && wanted.has(r.dstAddr ?? ''));
  return {
    instanceA: { instanceId: t.a.instance.instanceId, privateIp: t.a.privateIp, publicIp: t.a.publicIp },
    instanceB: { instanceId: t.b.instance.instanceId, privateIp: t.b.privateIp, publicIp: t.b.publicIp },
    logGroupNames: t.flow.groupNames,
    records: recordsEvidence(icmp),
  };
}

// ---------------------------------------------------------------------------------------------
// Step 5: ping

const ping: StepCheck = {
  needs: [...ROUTING, 'instances', 'flowLogs', 'flowRecords'],
  run(snapshot, ctx) {
    const m = labModel(snapshot);
    const traffic = trafficPiece(m);
    const checks = [
      recordLine("ICMP from instance 1 to instance 2's private IP was recorded", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmpRecords(flow.records, a.privateIp, b.privateIp),
        hint: `No ICMP record from ${a.privateIp} to ${b.privateIp} in ${flow.groupNames.join(', ')} yet. ${pingAgain(b.privateIp)}`,
        what: 'ICMP request',
      })),
      recordLine("ICMP from instance 1 to instance 2's public IP was recorded", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmpRecords(flow.records, a.privateIp, b.publicIp),
        hint: `No ICMP record from ${a.privateIp} to ${b.publicIp} in ${flow.groupNames.join(', ')} yet. ${pingAgain(b.publicIp)}`,
        what: 'ICMP request',
      })),
      recordLine("Replies from instance 2's public IP were recorded", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmpRecords(flow.records, b.publicIp, a.privateIp, 'ACCEPT'),
        hint: replyHint(flow.records, b.publicIp, a, `Check that instance 2's security group allows ICMP from 0.0.0.0/0: the ping arrives from ${a.publicIp}.`),
        what: 'ICMP reply',
      })),
    ];
    return result(checks, trafficEvidence(traffic, (t) => [t.a.privateIp, t.b.privateIp, t.b.publicIp]));
  },
};

function replyHint(records: readonly FlowRecord[], from: string, a: ReadyInstance, noReplyAdvice: string): string {
  if (icmpRecords(records, from, a.privateIp, 'REJECT').length > 0) {
    return `Replies from ${from} to ${a.privateIp} were rejected; check that VPC 1's network ACL allows inbound ICMP.`;
  }
  if (icmpRecords(records, a.privateIp, from).length > 0) {
    return `Requests from ${a.privateIp} to ${from} were recorded, but no reply yet. ${noReplyAdvice} ${LATE_RECORDS}`;
  }
  return `No ICMP reply from ${from} to ${a.privateIp} yet. ${pingAgain(from)}`;
}

// ---------------------------------------------------------------------------------------------
// Step 6: peering

const peering: StepCheck = {
  needs: [...ROUTING, 'peerings'],
  run(snapshot) {
    const m = labModel(snapshot);
    const connection = m.peering();
    const active = connection.ok === true ? m.activePeering() : blocked(connection, 'peering', 'Create the peering connection first (see above).');
    const p = valueOf(connection);
    return result(
      [toLine('A peering connection between VPC 1 and VPC 2 exists', connection), toLine('The peering connection is active', active, p && `${p.vpcPeeringConnectionId} is active.`)],
      {
        vpcA: vpcEvidence(valueOf(m.vpc('A'))),
        vpcB: vpcEvidence(valueOf(m.vpc('B'))),
        peering: p && { peeringId: p.vpcPeeringConnectionId, status: p.status, requesterVpcId: p.requesterVpcId, accepterVpcId: p.accepterVpcId },
      },
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Step 7: routes

interface PeeringRoute {
  vpc: string;
  routeTableId: string;
  destination?: string;
  target: string;
}

/** Does the route table of `from`'s instance send the other instance's private IP through the active peering connection? */
function peeringRoutePiece(m: LabModel, snapshot: AccountSnapshot, from: Side): Found<PeeringRoute> {
  const ready = allOf(m.instance('A'), m.instance('B'));
  if (ready.ok !== true) return after(ready, 'instances');
  const pcx = m.activePeering();
  if (pcx.ok !== true) return after(pcx, 'peering');
  const tables = readPart(snapshot, 'routeTables');
  if (tables.ok !== true) return tables;
  const [a, b] = ready.value;
  const [source, target] = from === 'A' ? [a, b] : [b, a];
  const table = source.routing.routeTable!;
  return routeThrough(table, tables.value, target.privateIp, pcx.value.vpcPeeringConnectionId, from);
}

function routeThrough(table: RouteTable, tables: readonly RouteTable[], ip: string, pcxId: string, from: Side): Found<PeeringRoute> {
  const name = SIDES[from].name;
  const otherCidr = SIDES[OTHER[from]].cidr;
  const rt = table.routeTableId;
  const winner = routeFor(table, ip);
  if (winner?.vpcPeeringConnectionId === pcxId) {
    return found(
      { vpc: name, routeTableId: rt, destination: winner.destinationCidrBlock, target: pcxId },
      `${rt}: ${describeRoute(winner)} is the most specific route for ${ip}.`,
    );
  }
  const covers = (cidr: string | undefined) => cidr !== undefined && cidrContains(cidr, ip);
  const toPcx = table.routes.find((r) => r.vpcPeeringConnectionId === pcxId && covers(r.destinationCidrBlock));
  if (toPcx && toPcx.state !== 'blackhole' && winner) {
    return missing(`In ${name}'s route table ${rt}, the more specific route ${describeRoute(winner)} wins over ${describeRoute(toPcx)} for ${ip}; remove it or point it at ${pcxId}.`);
  }
  if (winner?.vpcPeeringConnectionId) {
    return missing(`${name}'s route table ${rt} sends ${ip} to ${winner.vpcPeeringConnectionId}, not to the active peering connection ${pcxId}; change the route ${winner.destinationCidrBlock} to use ${pcxId}.`);
  }
  const dead = table.routes.find((r) => r.state === 'blackhole' && r.vpcPeeringConnectionId && covers(r.destinationCidrBlock));
  if (dead) {
    return missing(`${name}'s route table ${rt} has the route ${describeRoute(dead)}, but it is a blackhole (that peering connection is not active); replace it with ${otherCidr} → ${pcxId}.`);
  }
  const back = from === 'B' ? ' back' : '';
  const elsewhere = tables.find((t) => t.vpcId === table.vpcId && t.routeTableId !== rt && t.routes.some((r) => r.vpcPeeringConnectionId === pcxId));
  const misplaced = elsewhere ? ` (there is one in ${elsewhere.routeTableId}, but the instance's subnet uses ${rt})` : '';
  return missing(`${name}'s route table ${rt} has no route${back} to ${otherCidr} through the peering connection ${pcxId}${misplaced}; add ${otherCidr} → ${pcxId} to ${rt}.`);
}

const routes: StepCheck = {
  needs: [...ROUTING, 'instances', 'peerings', 'flowLogs', 'flowRecords'],
  run(snapshot, ctx) {
    const m = labModel(snapshot);
    const there = peeringRoutePiece(m, snapshot, 'A');
    const back = peeringRoutePiece(m, snapshot, 'B');
    const routesDone = there.ok === true && back.ok === true;
    const traffic = trafficPiece(m);
    const checks = [
      toLine("VPC 1's route table sends instance 2's private IP through the peering connection", there),
      toLine("VPC 2's route table sends instance 1's private IP back through the peering connection", back),
      recordLine("ICMP from instance 1 to instance 2's private IP was accepted", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmpRecords(flow.records, a.privateIp, b.privateIp, 'ACCEPT'),
        hint: `No accepted ICMP record from ${a.privateIp} to ${b.privateIp} yet. ${pingAgain(b.privateIp)}`,
        what: 'accepted ICMP request',
      })),
      recordLine("Replies from instance 2's private IP came back", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmpRecords(flow.records, b.privateIp, a.privateIp, 'ACCEPT'),
        hint: replyHint(
          flow.records,
          b.privateIp,
          a,
          routesDone ? `If you pinged before both routes existed, run ping -c 5 ${b.privateIp} on instance 1 again.` : 'Add the missing route first (see above), then ping again.',
        ),
        what: 'ICMP reply',
      })),
    ];
    return result(checks, {
      peeringId: valueOf(m.activePeering())?.vpcPeeringConnectionId,
      routes: [valueOf(there), valueOf(back)].filter((r) => r !== undefined),
      ...trafficEvidence(traffic, (t) => [t.a.privateIp, t.b.privateIp]),
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 8: insights

const STILL_GOING = ['Scheduled', 'Running'];

function shorten(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function queryPiece(m: LabModel, snapshot: AccountSnapshot): Found<{ query: InsightsQuery; group: string }> {
  const fl = m.flowLogA();
  if (fl.ok !== true) return after(fl, 'iam-role');
  const group = fl.value.groupName;
  if (!group) return after(missing(`Flow log ${fl.value.flowLog.flowLogId} on VPC 1 does not deliver to a CloudWatch Logs log group.`), 'iam-role');
  const queries = readPart(snapshot, 'insightsQueries');
  if (queries.ok !== true) return queries;
  const shaped = queries.value.map((query) => ({ query, shape: queryShape(query.queryString) }));
  const onGroup = (x: (typeof shaped)[number]) => x.query.logGroupName === group || x.shape.sources.includes(group);
  const matching = shaped.filter((x) => onGroup(x) && x.shape.sumsBytesBySrcDst);
  const choice = choose(matching, [
    { score: (x) => x.query.status === 'Complete', because: 'it completed' },
    { score: (x) => STILL_GOING.includes(x.query.status), because: 'it is still running' },
    { score: (x) => x.query.createTime ?? 0, because: 'it is the newest' },
  ]);
  if (choice) {
    const { query, shape } = choice.chosen;
    const partial = shape.sorted && shape.limited ? undefined : 'It has no "sort bytesTransferred desc | limit 10"; that is fine.';
    const note = choiceNote(choice, `matching queries ran on ${group}`, (x) => x.query.queryId, matching);
    return found({ query, group }, joinDetails(`Query ${query.queryId} on ${group}: "${shorten(query.queryString)}".`, partial, note));
  }
  const elsewhere = shaped.find((x) => x.shape.sumsBytesBySrcDst);
  if (elsewhere) {
    const where = elsewhere.query.logGroupName ?? (elsewhere.shape.sources.join(', ') || 'another log group');
    return missing(`Your query that sums bytes by srcAddr and dstAddr ran on ${where}, not on ${group} (the flow log's log group); run it again with ${group} selected.`);
  }
  const latest = shaped.filter(onGroup).sort((x, y) => (y.query.createTime ?? 0) - (x.query.createTime ?? 0))[0];
  if (latest) {
    return missing(`Your latest query on ${group} ("${shorten(latest.query.queryString)}") does not sum bytes by srcAddr and dstAddr; run: ${LAB_QUERY}`);
  }
  return missing(`No Logs Insights query has run on ${group} yet; run this query over it: ${LAB_QUERY}`);
}

function completedPiece(query: Found<{ query: InsightsQuery }>): Found<string> {
  if (query.ok !== true) return blocked(query, 'insights', 'Run the query first (see above).');
  const { queryId, status, createTime } = query.value.query;
  if (status === 'Complete') return found(status, `Complete${createTime !== undefined ? ` (started ${formatTime(createTime)})` : ''}.`);
  if (STILL_GOING.includes(status)) return missing(`Query ${queryId} is still ${status}; wait for it to complete, then check again.`);
  return missing(`Query ${queryId} ended as ${status}; run it again and let it finish.`);
}

const insights: StepCheck = {
  needs: [...ROUTING, 'flowLogs', 'insightsQueries'],
  run(snapshot) {
    const m = labModel(snapshot);
    const query = queryPiece(m, snapshot);
    const q = valueOf(query);
    return result(
      [
        toLine('A Logs Insights query over the flow log group sums bytes by source and destination address', query),
        toLine('The query has completed', completedPiece(query)),
      ],
      {
        logGroupName: q?.group ?? valueOf(m.flowLogA())?.groupName,
        query:
          q &&
          clean({
            queryId: q.query.queryId,
            queryString: q.query.queryString,
            status: q.query.status,
            logGroupName: q.query.logGroupName,
            createdAt: q.query.createTime !== undefined ? new Date(q.query.createTime).toISOString() : undefined,
          }),
      },
    );
  },
};

export const checks: LabChecks = {
  vpcs,
  instances,
  'flow-logs': flowLogs,
  'iam-role': iamRole,
  ping,
  peering,
  routes,
  insights,
};
