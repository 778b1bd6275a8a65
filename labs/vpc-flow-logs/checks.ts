// The checks of the VPC Flow Logs lab: one pure function per step over an AccountSnapshot, composed from the lab kit.
import type { CheckContext, CheckLine, LabChecks, StepCheck } from '../../server/labs/check-types';
import {
  aggregationInterval,
  allOf,
  allowsAll,
  capitalise,
  capturesAll,
  clean,
  defaultFormat,
  deliveryFinding,
  findServiceRole,
  flowLogEvidence,
  flowLogStatus,
  formatTime,
  found,
  hasStats,
  instanceEvidence,
  joinDetails,
  lateRecords,
  logsActionResources,
  logsPermissions,
  missing,
  pairRequests,
  queryCompleted,
  queryFinding,
  readPart,
  recordsBetween,
  recordsEvidence,
  recordsFinding,
  recordsNote,
  routeFinding,
  stepResult,
  subnetEvidence,
  toLine,
  trustedServices,
  trustFinding,
  valueOf,
  type Found,
  type LogGroupRef,
  type QueryFound,
  type RoleChoice,
  type WantedQuery,
} from '../../server/labs/kit';
import { accountOfArn } from '../../server/labs/kit/policy';
import { NETWORK_NEEDS } from '../../server/sandbox/network';
import type { AccountSnapshot, FlowRecord, IamRole, LogGroup, Need } from '../../server/verify/snapshot';
import {
  FLOW_LOGS_SERVICE,
  ICMP,
  LAB_LOG_GROUP,
  LAB_QUERY,
  LAB_ROLE_NAME,
  OTHER,
  SIDES,
  icmpAllowance,
  labModel,
  type FlowLogChoice,
  type FlowRecordsA,
  type LabModel,
  type PingTrace,
  type ReadyInstance,
  type Side,
  type VpcChoice,
} from './lab-model';

export { gather } from './gather';
export { cleanup } from './cleanup';

const ROUTING: Need[] = ['vpcs', 'subnets', 'routeTables', 'internetGateways'];
/**
 * A step's needs plus what the reachability engine reads, so its failed lines can trace the ping (security groups and
 * peering connections: one more list each in the first round of reads, not another round).
 */
const withTrace = (...needs: Need[]): Need[] => [...new Set([...needs, ...NETWORK_NEEDS])];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'];

function vpcEvidence(choice: VpcChoice | undefined) {
  return choice && { vpcId: choice.vpc.vpcId, cidr: SIDES[choice.side].cidr };
}

// ---------------------------------------------------------------------------------------------
// Step 1: vpcs

const vpcs: StepCheck = {
  needs: ROUTING,
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const sides: Side[] = ['A', 'B'];
    const exists = sides.map((side) => toLine(`${SIDES[side].name} (${SIDES[side].cidr}) exists`, m.vpc(side)));
    const publics = sides.map((side) => {
      const vpc = m.vpc(side);
      const piece = vpc.ok === true ? m.publicSubnet(side) : m.blocked(vpc, 'vpcs', `Create ${SIDES[side].name} first (see above).`);
      return toLine(`${SIDES[side].name} has a public subnet`, piece);
    });
    return stepResult([...exists, ...publics], {
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
    const piece = m.after(vpc, 'vpcs');
    return [toLine(`${label} runs in a public subnet of ${facts.name}`, piece), toLine(`${label} has a public IPv4 address`, piece)];
  }
  if (candidate.ok !== true) {
    return [
      toLine(`${label} runs in a public subnet of ${facts.name}`, candidate),
      toLine(`${label} has a public IPv4 address`, m.blocked(candidate, 'instances', `Launch ${facts.instance} first (see above).`)),
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
  if (pieces.ok !== true) return { line: toLine(label, m.blocked(pieces, 'instances', 'Launch both instances first (see above).')) };
  const [vpcA, a, b] = pieces.value;
  const groupsPart = readPart(snapshot, 'securityGroups');
  if (groupsPart.ok !== true) return { line: toLine(label, groupsPart) };
  const privateIp = a.instance.privateIpAddress;
  if (!privateIp) return { line: toLine(label, missing(`Instance 1 (${a.instance.instanceId}) has no private IPv4 address; launch a new one.`)) };
  const groups = groupsPart.value.filter((g) => b.instance.securityGroupIds.includes(g.groupId));
  const allowance = icmpAllowance(groups, { ...a.instance, privateIpAddress: privateIp }, SIDES[vpcA.side].cidr);
  if (allowance.ok !== true) return { line: toLine(label, allowance) };
  const { groupId, rule, source, coversPublicAddress } = allowance.value;
  const publicIp = a.instance.publicIpAddress ? ` ${a.instance.publicIpAddress}` : '';
  const publicNote = coversPublicAddress
    ? undefined
    : `Note: no rule covers instance 1's public address${publicIp}, so the ping to instance 2's public address in step 5 will get no reply; 0.0.0.0/0 covers both.`;
  const detail = joinDetails(`${groupId} allows ${rule}; ${source} covers instance 1 (${privateIp}).`, publicNote);
  return { line: toLine(label, allowance, detail), allowance: { groupId, rule, source } };
}

const instances: StepCheck = {
  needs: [...ROUTING, 'instances', 'securityGroups'],
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const icmp = icmpLine(m, snapshot);
    return stepResult([...instanceLines(m, 'A'), ...instanceLines(m, 'B'), icmp.line], {
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

/** Log group names that differ only in case or punctuation: a near miss worth naming. */
const looseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The flow-log group: one a flow log recording instance 1 delivers to, else the lab's group by name. When it was made
 * does not matter: any other group (a Lambda function's, made the same afternoon) is not the flow-log group.
 */
function logGroupPiece(m: LabModel, snapshot: AccountSnapshot): Found<ChosenLogGroup> {
  const groupsPart = readPart(snapshot, 'logGroups');
  if (groupsPart.ok !== true) return groupsPart;
  const groups = groupsPart.value;
  const covers = m.covers();
  const delivering = valueOf(covers)?.filter((c) => c.groupName !== undefined) ?? [];
  for (const { flowLog, scope, groupName } of delivering) {
    const group = groups.find((g) => g.logGroupName === groupName);
    if (group) return found({ group, flowLogId: flowLog.flowLogId }, `${group.logGroupName}: flow log ${flowLog.flowLogId} on ${scope} delivers to it.`);
  }
  const elsewhere = delivering[0] && `Flow log ${delivering[0].flowLog.flowLogId} on ${delivering[0].scope} delivers to log group ${delivering[0].groupName}, which does not exist in ${m.region}`;
  const named = groups.find((g) => g.logGroupName === LAB_LOG_GROUP);
  if (named) {
    const created = named.creationTime !== undefined ? ` (created ${formatTime(named.creationTime)})` : '';
    return found({ group: named }, joinDetails(`${LAB_LOG_GROUP} exists${created}.`, elsewhere && `Note: ${elsewhere}.`));
  }
  if (covers.ok === 'unknown') return covers;
  if (elsewhere) return missing(`${elsewhere}; create log group ${delivering[0].groupName}.`);
  const near = groups.find((g) => looseName(g.logGroupName) === looseName(LAB_LOG_GROUP));
  if (near) {
    return missing(`Log group ${near.logGroupName} is not the lab's group: log group names are case-sensitive and the lab's is exactly ${LAB_LOG_GROUP}; create ${LAB_LOG_GROUP} in ${m.region}.`);
  }
  return missing(`No log group named ${LAB_LOG_GROUP} in ${m.region}, and no flow log on VPC 1 delivers to another one; create ${LAB_LOG_GROUP} there.`);
}

const flowLogs: StepCheck = {
  needs: [...ROUTING, 'instances', 'flowLogs', 'logGroups'],
  run(snapshot, ctx) {
    const group = logGroupPiece(labModel(snapshot, ctx), snapshot);
    const chosen = valueOf(group);
    const g = chosen?.group;
    const createdAt = g?.creationTime !== undefined ? new Date(g.creationTime).toISOString() : undefined;
    return stepResult([toLine("A log group for VPC 1's flow logs exists", group)], {
      logGroup: g && clean({ logGroupName: g.logGroupName, arn: g.arn, createdAt }),
      flowLogId: chosen?.flowLogId,
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 4: iam-role

function flowLogPieces(m: LabModel, fl: Found<FlowLogChoice>, role: Found<RoleChoice>, roles: Found<IamRole[]>) {
  if (fl.ok !== true) {
    const needFlowLog = m.blocked(fl, 'iam-role', 'Create a flow log on VPC 1 first (see above).');
    return { traffic: fl, delivery: needFlowLog, status: needFlowLog, interval: needFlowLog, format: needFlowLog };
  }
  const f = fl.value.flowLog;
  return {
    traffic: capturesAll(f, 'VPC 1', fl.value.note),
    delivery: deliveryFinding(f, role, roles, { service: FLOW_LOGS_SERVICE, roleName: LAB_ROLE_NAME, groupName: LAB_LOG_GROUP }),
    status: flowLogStatus(f),
    interval: aggregationInterval(f, 60, 'the lab asks for 1 minute so records arrive sooner'),
    format: defaultFormat(f),
  };
}

const iamRole: StepCheck = {
  needs: [...ROUTING, 'instances', 'flowLogs', 'iamRoles'],
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const vpcA = m.vpc('A');
    const fl: Found<FlowLogChoice> = vpcA.ok === true ? m.vpcFlowLog() : m.after(vpcA, 'vpcs');
    const flowLog = valueOf(fl);
    const groupName = flowLog?.groupName ?? LAB_LOG_GROUP;
    const groupOf = (r: IamRole): LogGroupRef => ({ region: snapshot.region, accountId: snapshot.accountId ?? accountOfArn(r.arn) ?? '*', logGroupName: groupName });
    const sufficient = (r: IamRole) => allowsAll(r.policies, LOG_ACTIONS, (action) => logsActionResources(action, groupOf(r)));
    const roles = readPart(snapshot, 'iamRoles');
    const wanted = { service: FLOW_LOGS_SERVICE, name: LAB_ROLE_NAME, usedArn: flowLog?.flowLog.deliverLogsPermissionArn, usedBy: 'the flow log on VPC 1' };
    const role: Found<RoleChoice> = roles.ok === true ? findServiceRole(roles.value, { ...wanted, allowsAll: sufficient, since: ctx.labStartedAt?.getTime() }) : roles;
    const pieces = flowLogPieces(m, fl, role, roles);
    const chosenRole = valueOf(role);
    const trustDetail = chosenRole && joinDetails(`${chosenRole.role.roleName} (${chosenRole.role.arn}).`, chosenRole.note);
    const groupNote = flowLog?.groupName ? '' : ` (no flow log on VPC 1 yet, so checked against ${LAB_LOG_GROUP})`;
    const permissions = role.ok === true ? logsPermissions(role.value.role, LOG_ACTIONS, groupOf(role.value.role)) : m.blocked(role, 'iam-role', 'Create the role first (see above).');
    return stepResult(
      [
        toLine(`A role trusts ${FLOW_LOGS_SERVICE} to assume it`, trustFinding(role, FLOW_LOGS_SERVICE), trustDetail),
        toLine("The role's policies allow the four logs actions on the log group", permissions, permissions.detail && `${permissions.detail}${groupNote}`),
        toLine('VPC 1 has a flow log that records ALL traffic', pieces.traffic),
        toLine('The flow log delivers to CloudWatch Logs with the role', pieces.delivery),
        toLine('The flow log is active and delivering', pieces.status),
        toLine('The flow log aggregates records every minute', pieces.interval),
        toLine('The flow log writes records in the AWS default format', pieces.format),
      ],
      {
        roleArn: chosenRole?.role.arn,
        roleName: chosenRole?.role.roleName,
        trustedServices: chosenRole && trustedServices(chosenRole.role.trustPolicy),
        logGroupName: flowLog?.groupName,
        flowLog: flowLogEvidence(flowLog?.flowLog),
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
  if (ready.ok !== true) return m.after(ready, 'instances');
  const flow = m.flowRecordsA();
  if (flow.ok !== true) return m.after(flow, 'iam-role');
  const [a, b] = ready.value;
  return found({ a, b, flow: flow.value });
}

function recordLine(label: string, traffic: Found<Traffic>, now: Date, look: (t: Traffic) => { records: FlowRecord[]; hint: string; what: string }): CheckLine {
  if (traffic.ok !== true) return toLine(label, traffic);
  const { records, hint, what } = look(traffic.value);
  return toLine(label, recordsFinding(records, what, hint, recordsNote(traffic.value.flow, now)));
}

const icmp = (records: readonly FlowRecord[], src: string, dst: string, action?: string) => recordsBetween(records, src, dst, { protocol: ICMP, action });

function pingAgain(ip: string, ctx: CheckContext): string {
  return `On instance 1 run ping -c 5 ${ip}. ${lateRecords(ctx)}`;
}

function trafficEvidence(traffic: Found<Traffic>, addresses: (t: Traffic) => string[]) {
  if (traffic.ok !== true) return {};
  const t = traffic.value;
  const wanted = new Set(addresses(t));
  const pings = t.flow.records.filter((r) => r.protocol === ICMP && wanted.has(r.srcAddr ?? '') && wanted.has(r.dstAddr ?? ''));
  return {
    instanceA: { instanceId: t.a.instance.instanceId, privateIp: t.a.privateIp, publicIp: t.a.publicIp },
    instanceB: { instanceId: t.b.instance.instanceId, privateIp: t.b.privateIp, publicIp: t.b.publicIp },
    logGroupNames: t.flow.groupNames,
    records: recordsEvidence(pings),
  };
}

/** Why no request from instance 1 to `to` got its reply, from what the records do show. */
function replyHint(records: readonly FlowRecord[], to: string, a: ReadyInstance, noReplyAdvice: string, ctx: CheckContext): string {
  if (icmp(records, to, a.privateIp, 'REJECT').length > 0) return `Replies from ${to} to ${a.privateIp} were rejected; check that VPC 1's network ACL allows inbound ICMP.`;
  if (icmp(records, a.privateIp, to).length > 0) return `Requests from ${a.privateIp} to ${to} were recorded, but no reply yet. ${noReplyAdvice} ${lateRecords(ctx)}`;
  return `No ICMP reply from ${to} to ${a.privateIp} yet. ${pingAgain(to, ctx)}`;
}

// ---------------------------------------------------------------------------------------------
// Steps 5 and 7 trace the ping through the account, as Reachability Analyzer would (a paid service), on failed lines

const TRACED_ADDRESS: Record<PingTrace['target'], string> = { private: "instance 2's private IP", public: "instance 2's public IP" };

/** An engine sentence as a sentence: a leading plain word capitalised (never an id such as igw-0ab…), a full stop at the end. */
function asSentence(text: string): string {
  const capitalised = /^[a-z]+\s/.test(text) ? capitalise(text) : text;
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/**
 * The trace in the learner's words: from the first hop that stops the ping (with the engine's advice and its summary),
 * or only the summary when the ping is answered; the hops that pass before it would drown the one that matters.
 */
function traceText(trace: PingTrace | undefined): string | undefined {
  if (!trace) return undefined;
  const { hops, explanation } = trace.result;
  const stop = hops.find((h) => !h.passed);
  const from = stop ? explanation.indexOf(stop.says) : -1;
  const sentences = from >= 0 ? explanation.slice(from) : explanation.slice(-1);
  const intro = `Verilab traced a ping from instance 1 (${trace.from}) to ${TRACED_ADDRESS[trace.target]} (${trace.to}) through your account as it is now.`;
  return [intro, ...sentences.map(asSentence)].join(' ');
}

/**
 * The trace on the first failed line of those about one ping: once per step rather than on every line it concerns. It is
 * advice: ok, detail and hint stay as the records and routes decided them, and passing lines get nothing.
 */
function explainFirstFailure(lines: CheckLine[], trace: () => PingTrace | undefined): CheckLine[] {
  const failed = lines.findIndex((line) => line.ok === false);
  const explanation = failed >= 0 ? traceText(trace()) : undefined;
  return explanation ? lines.map((line, i) => (i === failed ? { ...line, explanation } : line)) : lines;
}

// ---------------------------------------------------------------------------------------------
// Step 5: ping. The failed private ping is the point of the step, so answered pings alone do not pass it.

function failedPingHint({ a, b, flow }: Traffic, ctx: CheckContext): string {
  if (icmp(flow.records, a.privateIp, b.privateIp).length === 0) {
    return `No ICMP record from ${a.privateIp} to ${b.privateIp} in ${flow.groupNames.join(', ')} yet. ${pingAgain(b.privateIp, ctx)}`;
  }
  return (
    `Every ICMP request from ${a.privateIp} to ${b.privateIp} in the records got a reply, so they do not show the failure this step is about (the VPCs were probably peered and routed already). ` +
    `To see it: remove the route to the peering connection from instance 1's route table ${a.routing.routeTable?.routeTableId}, run ping -c 5 ${b.privateIp} on instance 1 (no replies), then add the route back. ${lateRecords(ctx)}`
  );
}

const ping: StepCheck = {
  needs: withTrace(...ROUTING, 'instances', 'flowLogs', 'flowRecords'),
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const traffic = trafficPiece(m);
    const privatePing = recordLine("ICMP from instance 1 to instance 2's private IP got no reply", traffic, ctx.now, (t) => ({
      records: pairRequests(t.flow.records, t.a.privateIp, t.b.privateIp, ICMP).unanswered,
      hint: failedPingHint(t, ctx),
      what: 'unanswered ICMP request',
    }));
    const publicPing = [
      recordLine("ICMP from instance 1 to instance 2's public IP was recorded", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmp(flow.records, a.privateIp, b.publicIp),
        hint: `No ICMP record from ${a.privateIp} to ${b.publicIp} in ${flow.groupNames.join(', ')} yet. ${pingAgain(b.publicIp, ctx)}`,
        what: 'ICMP request',
      })),
      recordLine("Replies from instance 2's public IP were recorded", traffic, ctx.now, ({ a, b, flow }) => ({
        records: icmp(flow.records, b.publicIp, a.privateIp, 'ACCEPT'),
        hint: replyHint(flow.records, b.publicIp, a, `Check that instance 2's security group allows ICMP from 0.0.0.0/0: the ping arrives from ${a.publicIp}.`, ctx),
        what: 'ICMP reply',
      })),
    ];
    const checks = [...explainFirstFailure([privatePing], () => m.trace('private')), ...explainFirstFailure(publicPing, () => m.trace('public'))];
    return stepResult(checks, trafficEvidence(traffic, (t) => [t.a.privateIp, t.b.privateIp, t.b.publicIp]));
  },
};

// ---------------------------------------------------------------------------------------------
// Step 6: peering

const peering: StepCheck = {
  needs: [...ROUTING, 'peerings'],
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const connection = m.peering();
    const active = connection.ok === true ? m.activePeering() : m.blocked(connection, 'peering', 'Create the peering connection first (see above).');
    const p = valueOf(connection);
    return stepResult([toLine('A peering connection between VPC 1 and VPC 2 exists', connection), toLine('The peering connection is active', active)], {
      vpcA: vpcEvidence(valueOf(m.vpc('A'))),
      vpcB: vpcEvidence(valueOf(m.vpc('B'))),
      peering: p && { peeringId: p.vpcPeeringConnectionId, status: p.status, requesterVpcId: p.requesterVpcId, accepterVpcId: p.accepterVpcId },
    });
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
function peeringRoutePiece(m: LabModel, from: Side): Found<PeeringRoute> {
  const ready = allOf(m.instance('A'), m.instance('B'));
  if (ready.ok !== true) return m.after(ready, 'instances');
  const pcx = m.activePeering();
  if (pcx.ok !== true) return m.after(pcx, 'peering');
  const tables = readPart(m.snapshot, 'routeTables');
  if (tables.ok !== true) return tables;
  const [source, target] = from === 'A' ? ready.value : [ready.value[1], ready.value[0]];
  const table = source.routing.routeTable!;
  const pcxId = pcx.value.vpcPeeringConnectionId;
  const route = routeFinding(table, tables.value, target.privateIp, pcxId, SIDES[from].name, SIDES[OTHER[from]].cidr, from === 'B');
  if (route.ok !== true) return route;
  return found({ vpc: SIDES[from].name, routeTableId: table.routeTableId, destination: route.value.destinationCidrBlock, target: pcxId }, route.detail);
}

const routes: StepCheck = {
  needs: withTrace(...ROUTING, 'instances', 'peerings', 'flowLogs', 'flowRecords'),
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const there = peeringRoutePiece(m, 'A');
    const back = peeringRoutePiece(m, 'B');
    const traffic = trafficPiece(m);
    const routed = there.ok === true && back.ok === true;
    const lines = [
      toLine("VPC 1's route table sends instance 2's private IP through the peering connection", there),
      toLine("VPC 2's route table sends instance 1's private IP back through the peering connection", back),
      // A request and its reply in the same window: only then did the ping cross the peering connection both ways.
      recordLine("Instance 1's ping to instance 2's private IP and its reply both went through the peering connection", traffic, ctx.now, ({ a, b, flow }) => ({
        records: pairRequests(flow.records, a.privateIp, b.privateIp, ICMP).answered.filter((r) => r.action === 'ACCEPT'),
        hint: replyHint(
          flow.records,
          b.privateIp,
          a,
          routed ? `If you pinged before both routes existed, run ping -c 5 ${b.privateIp} on instance 1 again.` : 'Add the missing route first (see above), then ping again.',
          ctx,
        ),
        what: 'answered ICMP request',
      })),
    ];
    // One ping answers all three lines: the request leg for the route there, the reply leg for the route back.
    const checks = explainFirstFailure(lines, () => m.trace('private'));
    return stepResult(checks, {
      peeringId: valueOf(m.activePeering())?.vpcPeeringConnectionId,
      routes: [valueOf(there), valueOf(back)].filter((r) => r !== undefined),
      ...trafficEvidence(traffic, (t) => [t.a.privateIp, t.b.privateIp]),
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Step 8: insights

const LAB_QUERY_SHAPE: WantedQuery = {
  matches: (shape) => hasStats(shape, 'sum(bytes)', ['srcAddr', 'dstAddr']),
  what: 'sum bytes by srcAddr and dstAddr',
  example: LAB_QUERY,
  groupsAre: "the flow log's log group",
};

function queryPiece(m: LabModel): Found<QueryFound> {
  const delivering = m.flowGroups();
  if (delivering.ok !== true) return m.after(delivering, 'iam-role');
  const queries = readPart(m.snapshot, 'insightsQueries');
  if (queries.ok !== true) return queries;
  const query = queryFinding(queries.value, [...new Set(delivering.value.map((c) => c.groupName!))], LAB_QUERY_SHAPE);
  if (query.ok !== true) return query;
  const { shape } = query.value;
  const partial = shape.sorts.some((x) => x.descending) && shape.limit !== undefined ? undefined : 'It has no "sort bytesTransferred desc | limit 10"; that is fine.';
  return found(query.value, joinDetails(query.detail, partial));
}

const insights: StepCheck = {
  needs: [...ROUTING, 'instances', 'flowLogs', 'insightsQueries'],
  run(snapshot, ctx) {
    const m = labModel(snapshot, ctx);
    const query = queryPiece(m);
    const q = valueOf(query);
    return stepResult(
      [
        toLine('A Logs Insights query over the flow log group sums bytes by source and destination address', query),
        toLine('The query has completed', query.ok === true ? queryCompleted(query.value.query) : m.blocked(query, 'insights', 'Run the query first (see above).')),
      ],
      {
        logGroupName: q?.group ?? valueOf(m.flowGroups())?.[0]?.groupName,
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
