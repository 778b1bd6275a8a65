// The ping and routes checks trace the ping through the account on failed lines: what the learner reads, and that it is only advice.
import type { CheckLine, StepResult } from '../../../../server/labs/check-types';
import type { AccountSnapshot, Need, RouteTable } from '../../../../server/verify/snapshot';
import { checks } from '../../../../labs/vpc-flow-logs/checks';
import { checkContext, denyPart, lineOf, loadSnapshot, only, partOf } from '../../../helpers/snapshots';

// Ids in test/fixtures/snapshots/vpc-flow-logs/complete.json and after-ping.json
const RT_A = 'rtb-0a1b2c3d4e5f60a01';
const RT_B = 'rtb-0b2c3d4e5f6070b01';
const IGW_A = 'igw-0a1b2c3d4e5f60718';
const IGW_B = 'igw-0b2c3d4e5f6071829';
const SG_B = 'sg-0b2c3d4e5f6071829';
const INSTANCE_B = 'i-0b2c3d4e5f6071829';
const A_PRIVATE = '10.1.0.25';
const B_PRIVATE = '10.2.0.47';
const B_PUBLIC = '54.167.33.201';
const PCX = 'pcx-0c1d2e3f4a5b6c7d8';
const GROUP = 'vpc-flow-logs-lab';

const PRIVATE = "ICMP from instance 1 to instance 2's private IP got no reply";
const PUBLIC = "ICMP from instance 1 to instance 2's public IP was recorded";
const REPLIES = "Replies from instance 2's public IP were recorded";
const THERE = "VPC 1's route table sends instance 2's private IP through the peering connection";
const BACK = "VPC 2's route table sends instance 1's private IP back through the peering connection";
const ANSWERED = "Instance 1's ping to instance 2's private IP and its reply both went through the peering connection";

const complete = () => loadSnapshot('vpc-flow-logs/complete');
const afterPing = () => loadSnapshot('vpc-flow-logs/after-ping');

function run(step: string, snapshot: AccountSnapshot): StepResult {
  return checks[step].run(snapshot, checkContext());
}

const table = (s: AccountSnapshot, id: string): RouteTable => only(partOf(s, 'routeTables'), (t) => t.routeTableId === id);
const records = (s: AccountSnapshot) => only(partOf(s, 'flowRecords'), (set) => set.logGroupName === GROUP).records;
const peeringOf = (s: AccountSnapshot) => only(partOf(s, 'peerings'), (p) => p.vpcPeeringConnectionId === PCX);

function withoutRoute(s: AccountSnapshot, tableId: string, destination: string): AccountSnapshot {
  const t = table(s, tableId);
  t.routes = t.routes.filter((r) => r.destinationCidrBlock !== destination);
  return s;
}

/** After step 5 with no records delivered yet: every ping line fails, before any peering. */
function beforePeeringNoRecords(): AccountSnapshot {
  const s = afterPing();
  records(s).length = 0;
  return s;
}

const explained = (result: StepResult) => result.checks.filter((c) => c.explanation !== undefined).map((c) => c.label);
const withoutExplanations = (result: StepResult): StepResult => ({ ...result, checks: result.checks.map(({ explanation: _, ...line }) => line as CheckLine) });

/** The snapshot cut down to what the step declares it needs, as the engine gathers it. */
function onlyNeeds(step: string, full: AccountSnapshot): AccountSnapshot {
  const needed = { accountId: full.accountId, region: full.region, gatheredAt: full.gatheredAt } as AccountSnapshot;
  for (const need of checks[step].needs) (needed as unknown as Record<Need, unknown>)[need] = full[need];
  return needed;
}

describe('ping check: the trace on failed lines', () => {
  it('private ping before peering, no records yet: names the internet gateway, the route table and the private address', () => {
    const line = lineOf(run('ping', beforePeeringNoRecords()), PRIVATE);
    expect(line.ok).toBe(false);
    expect(line.explanation).toBe(
      `Verilab traced a ping from instance 1 (${A_PRIVATE}) to instance 2's private IP (${B_PRIVATE}) through your account as it is now. ` +
        `Packets from ${A_PRIVATE} to ${B_PRIVATE} match 0.0.0.0/0 → ${IGW_A} in ${RT_A}; an internet gateway cannot deliver to a private address. ` +
        'No peering connection joins lab-vpc-1 (vpc-0a1b2c3d4e5f60718) and lab-vpc-2 (vpc-0b2c3d4e5f6071829); private addresses of another VPC are reachable only through a peering connection between the two (peering is not transitive). ' +
        `The echo requests from ${A_PRIVATE} never reach ${B_PRIVATE}.`,
    );
  });

  it('the public ping is traced once, on the first of its failed lines, and says it is answered', () => {
    const result = run('ping', beforePeeringNoRecords());
    expect(explained(result)).toEqual([PRIVATE, PUBLIC]);
    expect(lineOf(result, PUBLIC).explanation).toBe(
      `Verilab traced a ping from instance 1 (${A_PRIVATE}) to instance 2's public IP (${B_PUBLIC}) through your account as it is now. ${B_PUBLIC} answers: the echo replies come back to ${A_PRIVATE}.`,
    );
  });

  it("instance 2's group lets no ICMP in: the public trace names the group and what it allows", () => {
    const s = beforePeeringNoRecords();
    only(partOf(s, 'securityGroups'), (g) => g.groupId === SG_B).ingress = [];
    const explanation = lineOf(run('ping', s), PUBLIC).explanation;
    expect(explanation).toContain(`Security group ${SG_B} on ${INSTANCE_B} (${B_PRIVATE}) lets no echo requests in from 3.85.120.17 (it has no inbound rules): they are rejected.`);
  });

  it('peered first, so the private ping was answered: the trace says it is answered now, beside the hint on how to see the failure', () => {
    const s = afterPing();
    const request = only(records(s), (r) => r.srcAddr === A_PRIVATE && r.dstAddr === B_PRIVATE);
    records(s).push({ ...request, srcAddr: B_PRIVATE, dstAddr: A_PRIVATE });
    const c = complete();
    for (const part of ['peerings', 'routeTables'] as const) (s as unknown as Record<string, unknown>)[part] = c[part];
    const line = lineOf(run('ping', s), PRIVATE);
    expect(line.hint).toContain('To see it: remove the route to the peering connection');
    expect(line.explanation).toMatch(new RegExp(`through your account as it is now\\. ${B_PRIVATE.replace(/\./g, '\\.')} answers: the echo replies come back to ${A_PRIVATE.replace(/\./g, '\\.')}\\.$`));
  });

  it('passing (right after step 5): no line carries a trace', () => {
    const result = run('ping', afterPing());
    expect(result.passed).toBe(true);
    expect(explained(result)).toEqual([]);
  });
});

describe('routes check: the trace on failed lines', () => {
  it('right after step 5: one trace, on the route there, naming the internet gateway and that no peering joins the VPCs', () => {
    const result = run('routes', afterPing());
    expect(explained(result)).toEqual([THERE]);
    const explanation = lineOf(result, THERE).explanation;
    expect(explanation).toContain(`Packets from ${A_PRIVATE} to ${B_PRIVATE} match 0.0.0.0/0 → ${IGW_A} in ${RT_A}; an internet gateway cannot deliver to a private address.`);
    expect(explanation).toContain('No peering connection joins lab-vpc-1');
  });

  it('route on one side only: the trace is on the route back and names the table that lacks it', () => {
    const result = run('routes', withoutRoute(complete(), RT_B, '10.1.0.0/16'));
    expect(lineOf(result, THERE).explanation).toBeUndefined();
    expect(lineOf(result, BACK).explanation).toBe(
      `Verilab traced a ping from instance 1 (${A_PRIVATE}) to instance 2's private IP (${B_PRIVATE}) through your account as it is now. ` +
        `Replies from ${B_PRIVATE} to ${A_PRIVATE} match 0.0.0.0/0 → ${IGW_B} in ${RT_B}; an internet gateway cannot deliver to a private address. ` +
        `lab-vpc-2 (vpc-0b2c3d4e5f6071829)'s route table ${RT_B} has no route back to 10.1.0.0/16 through the peering connection ${PCX}; add 10.1.0.0/16 → ${PCX} to ${RT_B}. ` +
        `${B_PRIVATE} receives the echo requests, but its echo replies never come back to ${A_PRIVATE}.`,
    );
  });

  it("route in VPC 1 only missing: the trace is on the route there and names VPC 1's table", () => {
    const explanation = lineOf(run('routes', withoutRoute(complete(), RT_A, '10.2.0.0/16')), THERE).explanation;
    expect(explanation).toContain(`match 0.0.0.0/0 → ${IGW_A} in ${RT_A}`);
    expect(explanation).toContain(`has no route to 10.2.0.0/16 through the peering connection ${PCX}`);
  });

  it('peering not accepted: the trace says the connection is pending-acceptance and to accept it', () => {
    const s = complete();
    peeringOf(s).status = 'pending-acceptance';
    const result = run('routes', s);
    expect(explained(result)).toEqual([THERE]);
    const explanation = lineOf(result, THERE).explanation;
    expect(explanation).toContain(`match 10.2.0.0/16 → ${PCX} in ${RT_A}, but peering connection ${PCX} is pending-acceptance: it carries no traffic until it is active.`);
    expect(explanation).toContain(`Peering connection ${PCX} is waiting for acceptance: accept it`);
  });

  it('routes in place but the ping was before them: the trace on the records line says a ping now is answered', () => {
    const s = complete();
    records(s).splice(records(s).findIndex((r) => r.srcAddr === B_PRIVATE), 1);
    const result = run('routes', s);
    expect(explained(result)).toEqual([ANSWERED]);
    expect(lineOf(result, ANSWERED).explanation).toMatch(/answers: the echo replies come back to 10\.1\.0\.25\.$/);
  });

  it('passing (complete account): no line carries a trace', () => {
    const result = run('routes', complete());
    expect(result.passed).toBe(true);
    expect(explained(result)).toEqual([]);
  });
});

describe('the trace is advice', () => {
  const failing: [string, () => AccountSnapshot][] = [
    ['ping', beforePeeringNoRecords],
    ['routes', afterPing],
    ['routes', () => withoutRoute(complete(), RT_B, '10.1.0.0/16')],
  ];

  it.each(failing)('%s: needs cover the engine: only the needed parts give the same trace', (step, snapshot) => {
    const full = run(step, snapshot());
    expect(explained(full).length).toBeGreaterThan(0);
    expect(run(step, onlyNeeds(step, snapshot()))).toEqual(full);
  });

  it.each(failing)('%s: security groups unreadable: no trace, and every line otherwise the same', (step, snapshot) => {
    const full = run(step, snapshot());
    const denied = run(step, denyPart(snapshot(), 'securityGroups', 'ec2:DescribeSecurityGroups'));
    expect(explained(denied)).toEqual([]);
    expect(denied).toEqual(withoutExplanations(full));
  });

  it('peerings unreadable in step 5: no trace, and the step still passes or fails on its records', () => {
    const denied = run('ping', denyPart(beforePeeringNoRecords(), 'peerings', 'ec2:DescribeVpcPeeringConnections'));
    expect(explained(denied)).toEqual([]);
    expect(denied).toEqual(withoutExplanations(run('ping', beforePeeringNoRecords())));
    expect(run('ping', denyPart(afterPing(), 'peerings', 'ec2:DescribeVpcPeeringConnections')).passed).toBe(true);
  });

  it('instance 2 has no public address: the public lines fail without a trace, the private one keeps its own', () => {
    const s = beforePeeringNoRecords();
    delete only(partOf(s, 'instances'), (i) => i.instanceId === INSTANCE_B).publicIpAddress;
    const result = run('ping', s);
    expect(explained(result)).toEqual([PRIVATE]);
    expect(lineOf(result, REPLIES).ok).toBe(false);
  });

  it('the trace never turns a line: the same ok on every line with and without it', () => {
    for (const [step, snapshot] of failing) {
      const oks = (r: StepResult) => r.checks.map((c) => c.ok);
      expect(oks(run(step, snapshot()))).toEqual(oks(run(step, denyPart(snapshot(), 'securityGroups', 'ec2:DescribeSecurityGroups'))));
    }
  });
});
