import type { StepResult } from '../../../../server/labs/check-types';
import type { AccountSnapshot, Need, RouteTable } from '../../../../server/verify/snapshot';
import { checks } from '../../../../labs/vpc-flow-logs/checks';
import { checkContext, denyPart, failingLabels, lineOf, loadSnapshot, only, partOf } from '../../../helpers/snapshots';

// Ids in test/fixtures/snapshots/vpc-flow-logs/complete.json
const VPC_A = 'vpc-0a1b2c3d4e5f60718';
const VPC_B = 'vpc-0b2c3d4e5f6071829';
const DEFAULT_VPC = 'vpc-0d4e5f60718293a4b';
const SUBNET_A = 'subnet-0a1b2c3d4e5f60001';
const MAIN_RT_A = 'rtb-0a1b2c3d4e5f60a00';
const RT_A = 'rtb-0a1b2c3d4e5f60a01';
const RT_B = 'rtb-0b2c3d4e5f6070b01';
const IGW_A = 'igw-0a1b2c3d4e5f60718';
const IGW_B = 'igw-0b2c3d4e5f6071829';
const SG_A = 'sg-0a1b2c3d4e5f60718';
const SG_B = 'sg-0b2c3d4e5f6071829';
const INSTANCE_A = 'i-0a1b2c3d4e5f60718';
const INSTANCE_B = 'i-0b2c3d4e5f6071829';
const A_PRIVATE = '10.1.0.25';
const B_PRIVATE = '10.2.0.47';
const B_PUBLIC = '54.167.33.201';
const PCX = 'pcx-0c1d2e3f4a5b6c7d8';
const FLOW_LOG = 'fl-0e1f2a3b4c5d6e7f8';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/VPCFlowLogsDeliveryRole';
const GROUP = 'vpc-flow-logs-lab';

const complete = () => loadSnapshot('vpc-flow-logs/complete');
const emptyAccount = () => loadSnapshot('vpc-flow-logs/empty-account');
const afterPing = () => loadSnapshot('vpc-flow-logs/after-ping');

function run(step: string, snapshot: AccountSnapshot, ctx = checkContext()): StepResult {
  return checks[step].run(snapshot, ctx);
}

// Small mutators over the complete account: each breaks one realistic thing.
const table = (s: AccountSnapshot, id: string): RouteTable => only(partOf(s, 'routeTables'), (t) => t.routeTableId === id);
const instance = (s: AccountSnapshot, id: string) => only(partOf(s, 'instances'), (i) => i.instanceId === id);
const group = (s: AccountSnapshot, id: string) => only(partOf(s, 'securityGroups'), (g) => g.groupId === id);
const flowLog = (s: AccountSnapshot) => only(partOf(s, 'flowLogs'), (f) => f.flowLogId === FLOW_LOG);
const deliveryRole = (s: AccountSnapshot) => only(partOf(s, 'iamRoles'), (r) => r.arn === ROLE_ARN);
const records = (s: AccountSnapshot) => only(partOf(s, 'flowRecords'), (set) => set.logGroupName === GROUP).records;
const peeringOf = (s: AccountSnapshot) => only(partOf(s, 'peerings'), (p) => p.vpcPeeringConnectionId === PCX);

function withoutRoute(s: AccountSnapshot, tableId: string, destination: string): AccountSnapshot {
  const t = table(s, tableId);
  t.routes = t.routes.filter((r) => r.destinationCidrBlock !== destination);
  return s;
}

function icmpRule(ranges: string[], fromPort = -1, toPort = -1) {
  return { ipProtocol: 'icmp', fromPort, toPort, ipRanges: ranges, ipv6Ranges: [], groupIds: [], prefixListIds: [] };
}

function permissions(statement: Record<string, unknown> | Record<string, unknown>[]) {
  return { Version: '2012-10-17', Statement: statement };
}

describe('all steps', () => {
  const steps = Object.keys(checks);

  it('the module has one check per lab step, in the lab order', () => {
    expect(steps).toEqual(['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights']);
  });

  it.each(steps)('%s: the complete account passes with every line ok', (step) => {
    const result = run(step, complete());
    expect(failingLabels(result)).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it.each(steps)('%s: an account where nothing was created fails, every failed line with a hint', (step) => {
    const result = run(step, emptyAccount());
    expect(result.passed).toBe(false);
    for (const line of result.checks.filter((c) => c.ok === false)) expect(line.hint).toEqual(expect.any(String));
  });

  it.each(steps)('%s: the labels are the same in a complete and an empty account', (step) => {
    const labels = (r: StepResult) => r.checks.map((c) => c.label);
    expect(labels(run(step, emptyAccount()))).toEqual(labels(run(step, complete())));
  });

  it.each(steps)('%s: needs are accurate: only the needed parts give the same result', (step) => {
    const full = complete();
    const needed = { accountId: full.accountId, region: full.region, gatheredAt: full.gatheredAt } as AccountSnapshot;
    for (const need of checks[step].needs) (needed as unknown as Record<Need, unknown>)[need] = full[need];
    expect(run(step, needed)).toEqual(run(step, full));
  });

  it.each(steps)('%s: pure and JSON-serialisable: the same result twice, unchanged by a JSON round trip', (step) => {
    const snapshot = afterPing();
    const before = JSON.stringify(snapshot);
    const first = run(step, snapshot);
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(run(step, snapshot)).toEqual(first);
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  it.each(steps)('%s: every needed part unavailable: unknown lines naming the permission, never passed', (step) => {
    const snapshot = complete();
    for (const need of checks[step].needs) denyPart(snapshot, need, `test:Read${need}`);
    const result = run(step, snapshot);
    expect(result.passed).toBe(false);
    expect(result.checks.every((c) => c.ok === 'unknown')).toBe(true);
    for (const line of result.checks) expect(line.detail).toMatch(/^Could not check: could not read .+: the role lacks test:Read\w+\.$/);
  });
});

describe('vpcs check', () => {
  it('complete account: evidence names both VPCs and their public subnets', () => {
    const result = run('vpcs', complete());
    expect(result.evidence).toMatchObject({
      vpcA: { vpcId: VPC_A, cidr: '10.1.0.0/16' },
      vpcB: { vpcId: VPC_B, cidr: '10.2.0.0/16' },
      publicSubnetA: { subnetId: SUBNET_A, cidr: '10.1.0.0/24', routeTableId: RT_A, internetGatewayId: IGW_A },
      publicSubnetB: { routeTableId: RT_B, internetGatewayId: IGW_B },
    });
  });

  it('nothing created: both VPCs missing, public subnet lines point to them', () => {
    const result = run('vpcs', emptyAccount());
    expect(lineOf(result, 'VPC 2 (10.2.0.0/16) exists').hint).toBe(
      'VPC 2 (10.2.0.0/16) was not found in us-east-1: no VPC there has that CIDR. Create it with exactly that block (Verilab checks us-east-1 only, so a VPC in another Region does not count).',
    );
    expect(lineOf(result, 'VPC 1 has a public subnet')).toMatchObject({ ok: false, hint: 'Create VPC 1 first (see above).' });
  });

  it('VPC 2 created as 10.2.0.0/24: fails and says to create exactly 10.2.0.0/16', () => {
    const s = complete();
    const vpc = only(partOf(s, 'vpcs'), (v) => v.vpcId === VPC_B);
    vpc.cidrBlock = '10.2.0.0/24';
    vpc.cidrBlocks = ['10.2.0.0/24'];
    const line = lineOf(run('vpcs', s), 'VPC 2 (10.2.0.0/16) exists');
    expect(line.ok).toBe(false);
    expect(line.hint).toContain(`${VPC_B} has 10.2.0.0/24 instead`);
    expect(line.hint).toContain('exactly 10.2.0.0/16');
  });

  it('internet gateway detached from VPC 2: fails and names the gateway and VPC 2', () => {
    const s = complete();
    only(partOf(s, 'internetGateways'), (g) => g.internetGatewayId === IGW_B).attachments = [];
    const result = run('vpcs', s);
    expect(failingLabels(result)).toEqual(['VPC 2 has a public subnet']);
    expect(lineOf(result, 'VPC 2 has a public subnet').hint).toMatch(new RegExp(`^Internet gateway ${IGW_B}, .* is not attached to VPC 2`));
  });

  it("VPC 1's gateway attached to VPC 2 instead: fails and says where it is attached", () => {
    const s = complete();
    only(partOf(s, 'internetGateways'), (g) => g.internetGatewayId === IGW_A).attachments = [{ vpcId: VPC_B, state: 'available' }];
    const hint = lineOf(run('vpcs', s), 'VPC 1 has a public subnet').hint;
    expect(hint).toContain(`is not attached to VPC 1 (it is attached to ${VPC_B})`);
  });

  it('subnet without its own route table falls back to the main table, which has no internet route: names the main table', () => {
    const s = complete();
    table(s, RT_A).associations = [];
    const line = lineOf(run('vpcs', s), 'VPC 1 has a public subnet');
    expect(line.ok).toBe(false);
    expect(line.hint).toBe(
      `VPC 1's subnet 10.1.0.0/24 (${SUBNET_A}) uses its VPC's main route table ${MAIN_RT_A} which has no 0.0.0.0/0 route to an internet gateway.`,
    );
  });

  it('effective route table: a main table with the internet route makes the subnet public', () => {
    const s = complete();
    table(s, RT_A).associations = [];
    table(s, MAIN_RT_A).routes.push({ destinationCidrBlock: '0.0.0.0/0', gatewayId: IGW_A, state: 'active' });
    const result = run('vpcs', s);
    expect(result.passed).toBe(true);
    expect(result.evidence.publicSubnetA).toMatchObject({ routeTableId: MAIN_RT_A });
  });

  it('default route is a blackhole: not public, and the hint says so', () => {
    const s = complete();
    only(table(s, RT_A).routes, (r) => r.destinationCidrBlock === '0.0.0.0/0').state = 'blackhole';
    expect(lineOf(run('vpcs', s), 'VPC 1 has a public subnet').hint).toContain(`0.0.0.0/0 route to ${IGW_A} is a blackhole`);
  });

  it('default route to a NAT gateway: not public, and the hint names the target', () => {
    const s = complete();
    const route = only(table(s, RT_B).routes, (r) => r.destinationCidrBlock === '0.0.0.0/0');
    delete route.gatewayId;
    route.natGatewayId = 'nat-0f1e2d3c4b5a69788';
    expect(lineOf(run('vpcs', s), 'VPC 2 has a public subnet').hint).toContain('goes to nat-0f1e2d3c4b5a69788, not to an internet gateway');
  });

  it('two VPCs with 10.1.0.0/16, the newer one empty: chooses the one with a public subnet and says why', () => {
    const s = complete();
    partOf(s, 'vpcs').unshift({ vpcId: 'vpc-0f9e8d7c6b5a40312', cidrBlock: '10.1.0.0/16', cidrBlocks: ['10.1.0.0/16'], isDefault: false, state: 'available', tags: {} });
    const line = lineOf(run('vpcs', s), 'VPC 1 (10.1.0.0/16) exists');
    expect(line.ok).toBe(true);
    expect(line.detail).toContain(`2 VPCs have 10.1.0.0/16 (vpc-0f9e8d7c6b5a40312, ${VPC_A}); using ${VPC_A} because it has a public subnet.`);
  });

  it('10.2.0.0/16 only as a secondary CIDR: accepted, and the detail says so', () => {
    const s = complete();
    const vpc = only(partOf(s, 'vpcs'), (v) => v.vpcId === VPC_B);
    vpc.cidrBlock = '10.20.0.0/16';
    vpc.cidrBlocks = ['10.20.0.0/16', '10.2.0.0/16'];
    const line = lineOf(run('vpcs', s), 'VPC 2 (10.2.0.0/16) exists');
    expect(line).toMatchObject({ ok: true, detail: `${VPC_B} has 10.2.0.0/16 (as a secondary CIDR; its primary is 10.20.0.0/16).` });
  });

  it('route tables unreadable: public subnet lines unknown naming ec2:DescribeRouteTables, VPC lines still ok', () => {
    const s = denyPart(complete(), 'routeTables', 'ec2:DescribeRouteTables');
    const result = run('vpcs', s);
    expect(result.passed).toBe(false);
    expect(lineOf(result, 'VPC 1 (10.1.0.0/16) exists').ok).toBe(true);
    expect(lineOf(result, 'VPC 2 has a public subnet')).toMatchObject({
      ok: 'unknown',
      detail: 'Could not check: could not read route tables: the role lacks ec2:DescribeRouteTables.',
    });
  });
});

describe('instances check', () => {
  it('complete account: evidence has both instances and the ICMP rule', () => {
    const evidence = run('instances', complete()).evidence;
    expect(evidence.instanceA).toMatchObject({ instanceId: INSTANCE_A, privateIp: A_PRIVATE, publicIp: '3.85.120.17' });
    expect(evidence.instanceB).toMatchObject({ instanceId: INSTANCE_B, privateIp: B_PRIVATE, publicIp: B_PUBLIC });
    expect(evidence.icmpRule).toEqual({ groupId: SG_B, rule: 'all ICMP from 0.0.0.0/0', source: '0.0.0.0/0' });
  });

  it('VPCs exist but no instances: fails and says where to launch them', () => {
    const s = complete();
    partOf(s, 'instances').length = 0;
    const result = run('instances', s);
    expect(lineOf(result, 'Instance 1 runs in a public subnet of VPC 1').hint).toBe(`VPC 1 has no instance in us-east-1; launch one in its public subnet 10.1.0.0/24 (${SUBNET_A}).`);
    expect(lineOf(result, 'Instance 1 has a public IPv4 address').hint).toBe('Launch instance 1 first (see above).');
  });

  it('instance 1 stopped: fails and says to start it', () => {
    const s = complete();
    instance(s, INSTANCE_A).state = 'stopped';
    const result = run('instances', s);
    expect(failingLabels(result)).toEqual(['Instance 1 runs in a public subnet of VPC 1']);
    expect(lineOf(result, 'Instance 1 runs in a public subnet of VPC 1').hint).toBe(`Instance ${INSTANCE_A} in VPC 1 is stopped; start it.`);
  });

  it('instance 2 without a public IP: fails and says how to get one', () => {
    const s = complete();
    delete instance(s, INSTANCE_B).publicIpAddress;
    const line = lineOf(run('instances', s), 'Instance 2 has a public IPv4 address');
    expect(line.ok).toBe(false);
    expect(line.hint).toContain(`Instance ${INSTANCE_B} has no public IPv4 address`);
    expect(line.hint).toContain('Auto-assign public IP');
  });

  it('instance 1 in a private subnet: fails, says why the subnet is not public and names the public one', () => {
    const s = complete();
    partOf(s, 'subnets').push({ subnetId: 'subnet-0a1b2c3d4e5f60002', vpcId: VPC_A, cidrBlock: '10.1.1.0/24', availabilityZone: 'us-east-1b', mapPublicIpOnLaunch: false, tags: {} });
    Object.assign(instance(s, INSTANCE_A), { subnetId: 'subnet-0a1b2c3d4e5f60002', privateIpAddress: '10.1.1.12' });
    const hint = lineOf(run('instances', s), 'Instance 1 runs in a public subnet of VPC 1').hint;
    expect(hint).toContain('is in subnet 10.1.1.0/24 (subnet-0a1b2c3d4e5f60002), which is not public');
    expect(hint).toContain(`main route table ${MAIN_RT_A} which has no 0.0.0.0/0 route`);
    expect(hint).toContain(`launch it in its public subnet 10.1.0.0/24 (${SUBNET_A})`);
  });

  it('ICMP allowed only from the wrong CIDR (10.3.0.0/16): fails and names the source and instance 1', () => {
    const s = complete();
    group(s, SG_B).ingress = [icmpRule(['10.3.0.0/16'])];
    const result = run('instances', s);
    expect(failingLabels(result)).toEqual(["Instance 2's security groups allow ICMP from instance 1"]);
    const hint = lineOf(result, "Instance 2's security groups allow ICMP from instance 1").hint;
    expect(hint).toContain(`Security group ${SG_B} on instance 2 allows ICMP only from 10.3.0.0/16`);
    expect(hint).toContain(`does not include instance 1 (${A_PRIVATE})`);
  });

  it('ICMP allowed only from 192.168.0.0/16: fails with the same kind of hint', () => {
    const s = complete();
    group(s, SG_B).ingress = [icmpRule(['192.168.0.0/16'])];
    expect(lineOf(run('instances', s), "Instance 2's security groups allow ICMP from instance 1").hint).toContain('only from 192.168.0.0/16');
  });

  it('only TCP 22 allowed: fails, says there is no ICMP rule and what is allowed instead', () => {
    const s = complete();
    group(s, SG_B).ingress = [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['198.51.100.7/32'], ipv6Ranges: [], groupIds: [], prefixListIds: [] }];
    const hint = lineOf(run('instances', s), "Instance 2's security groups allow ICMP from instance 1").hint;
    expect(hint).toContain('has no inbound rule for ICMP (it allows only TCP 22 from 198.51.100.7/32)');
    expect(hint).toContain('All ICMP - IPv4 from 0.0.0.0/0');
  });

  it('ICMP echo reply only (type 0): fails because echo requests (type 8) are not allowed', () => {
    const s = complete();
    group(s, SG_B).ingress = [icmpRule(['0.0.0.0/0'], 0, -1)];
    expect(lineOf(run('instances', s), "Instance 2's security groups allow ICMP from instance 1").hint).toContain('allows ICMP type 0 only, not echo requests (ICMP type 8)');
  });

  it("ICMP from instance 1's security group, echo request only, or all traffic: each passes", () => {
    const variants = [
      { ipProtocol: 'icmp', fromPort: 8, toPort: 0, ipRanges: [], ipv6Ranges: [], groupIds: [SG_A], prefixListIds: [] },
      { ipProtocol: '1', ipRanges: ['10.1.0.25/32'], ipv6Ranges: [], groupIds: [], prefixListIds: [] },
      { ipProtocol: '-1', ipRanges: ['0.0.0.0/0'], ipv6Ranges: [], groupIds: [], prefixListIds: [] },
    ];
    for (const rule of variants) {
      const s = complete();
      group(s, SG_B).ingress = [rule];
      expect(lineOf(run('instances', s), "Instance 2's security groups allow ICMP from instance 1").ok).toBe(true);
    }
  });

  it("ICMP from 10.1.0.0/16 only: passes, with a note that the public ping of step 5 will get no reply", () => {
    const s = complete();
    group(s, SG_B).ingress = [icmpRule(['10.1.0.0/16'])];
    const line = lineOf(run('instances', s), "Instance 2's security groups allow ICMP from instance 1");
    expect(line.ok).toBe(true);
    expect(line.detail).toContain("no rule covers instance 1's public address 3.85.120.17");
  });

  it('two instances in VPC 1, the newer one terminated: chooses the running one and says why', () => {
    const s = complete();
    partOf(s, 'instances').push({ ...instance(s, INSTANCE_A), instanceId: 'i-0f9e8d7c6b5a40312', state: 'terminated', launchTime: '2024-06-10T10:00:00.000Z' });
    const line = lineOf(run('instances', s), 'Instance 1 runs in a public subnet of VPC 1');
    expect(line.ok).toBe(true);
    expect(line.detail).toContain(`using ${INSTANCE_A} because it is running`);
  });

  it('security groups unreadable: the ICMP line is unknown and names ec2:DescribeSecurityGroups', () => {
    const result = run('instances', denyPart(complete(), 'securityGroups', 'ec2:DescribeSecurityGroups'));
    expect(result.passed).toBe(false);
    expect(lineOf(result, "Instance 2's security groups allow ICMP from instance 1")).toMatchObject({
      ok: 'unknown',
      detail: 'Could not check: could not read security groups: the role lacks ec2:DescribeSecurityGroups.',
    });
  });
});

describe('flow-logs check', () => {
  const LABEL = "A log group for VPC 1's flow logs exists";

  it('complete account: the group the flow log delivers to, with its ARN in the evidence', () => {
    const result = run('flow-logs', complete());
    expect(lineOf(result, LABEL).detail).toBe(`${GROUP}: flow log ${FLOW_LOG} on VPC 1 delivers to it.`);
    expect(result.evidence).toEqual({
      logGroup: { logGroupName: GROUP, arn: `arn:aws:logs:us-east-1:111122223333:log-group:${GROUP}:*`, createdAt: '2024-06-10T09:20:31.000Z' },
      flowLogId: FLOW_LOG,
    });
  });

  it('nothing created: fails and says to create vpc-flow-logs-lab', () => {
    expect(lineOf(run('flow-logs', emptyAccount()), LABEL).hint).toBe(
      `No log group named ${GROUP} in us-east-1, and no flow log on VPC 1 delivers to another one; create ${GROUP} there.`,
    );
  });

  it('the lab group, no flow log yet: passes and says when it was created', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    expect(lineOf(run('flow-logs', s), LABEL)).toMatchObject({ ok: true, detail: `${GROUP} exists (created 2024-06-10 09:20 UTC).` });
  });

  it('the lab group made long before the lab began still counts: time does not decide', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    only(partOf(s, 'logGroups'), (g) => g.logGroupName === GROUP).creationTime = Date.parse('2024-05-01T12:00:00Z');
    expect(lineOf(run('flow-logs', s), LABEL)).toMatchObject({ ok: true, detail: `${GROUP} exists (created 2024-05-01 12:00 UTC).` });
  });

  it('the flow log on VPC 1 delivers to a group that does not exist: fails and names that group', () => {
    const s = complete();
    flowLog(s).logGroupName = 'vpc-flowlogs-lab';
    partOf(s, 'logGroups').splice(partOf(s, 'logGroups').findIndex((g) => g.logGroupName === GROUP), 1);
    expect(lineOf(run('flow-logs', s), LABEL).hint).toBe(
      `Flow log ${FLOW_LOG} on VPC 1 delivers to log group vpc-flowlogs-lab, which does not exist in us-east-1; create log group vpc-flowlogs-lab.`,
    );
  });

  it('the same mistake with the lab group present: passes by name, with a note about the group the flow log names', () => {
    const s = complete();
    flowLog(s).logGroupName = 'vpc-flowlogs-lab';
    expect(lineOf(run('flow-logs', s), LABEL).detail).toBe(
      `${GROUP} exists (created 2024-06-10 09:20 UTC). Note: Flow log ${FLOW_LOG} on VPC 1 delivers to log group vpc-flowlogs-lab, which does not exist in us-east-1.`,
    );
  });

  it('a group that only a flow log on VPC 2 delivers to: does not count', () => {
    const s = complete();
    Object.assign(flowLog(s), { resourceId: VPC_B, logGroupName: 'vpc2-audit' });
    partOf(s, 'logGroups').splice(0, partOf(s, 'logGroups').length, { logGroupName: 'vpc2-audit', creationTime: Date.parse('2024-06-10T09:30:00Z') });
    expect(run('flow-logs', s).passed).toBe(false);
  });

  it('flow log found by its destination ARN when it has no LogGroupName', () => {
    const s = complete();
    delete flowLog(s).logGroupName;
    expect(lineOf(run('flow-logs', s), LABEL).detail).toContain(`flow log ${FLOW_LOG} on VPC 1 delivers to it`);
  });

  it('lab start unknown (the CLI without --started-at): the same answers, since time does not decide', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    const ctx = checkContext({ labStartedAt: undefined });
    expect(run('flow-logs', s, ctx)).toEqual(run('flow-logs', s));
    expect(lineOf(run('flow-logs', emptyAccount(), ctx), LABEL).ok).toBe(false);
  });

  it('log groups unreadable: unknown naming logs:DescribeLogGroups', () => {
    const result = run('flow-logs', denyPart(complete(), 'logGroups', 'logs:DescribeLogGroups'));
    expect(result.passed).toBe(false);
    expect(lineOf(result, LABEL).detail).toBe('Could not check: could not read log groups: the role lacks logs:DescribeLogGroups.');
  });
});

describe('iam-role check', () => {
  const TRUST = 'A role trusts vpc-flow-logs.amazonaws.com to assume it';
  const PERMS = "The role's policies allow the four logs actions on the log group";
  const TRAFFIC = 'VPC 1 has a flow log that records ALL traffic';
  const DELIVERY = 'The flow log delivers to CloudWatch Logs with the role';
  const STATUS = 'The flow log is active and delivering';
  const INTERVAL = 'The flow log aggregates records every minute';
  const FORMAT = 'The flow log writes records in the AWS default format';

  it('complete account: evidence has the role, the group and the flow log settings', () => {
    const result = run('iam-role', complete());
    expect(result.checks.map((c) => c.label)).toEqual([TRUST, PERMS, TRAFFIC, DELIVERY, STATUS, INTERVAL, FORMAT]);
    expect(result.evidence).toMatchObject({
      roleArn: ROLE_ARN,
      logGroupName: GROUP,
      flowLog: { flowLogId: FLOW_LOG, trafficType: 'ALL', maxAggregationInterval: 60, deliverLogsStatus: 'SUCCESS' },
    });
  });

  it('the Lambda role that also allows logs:PutLogEvents is never taken for the delivery role', () => {
    const s = complete();
    partOf(s, 'iamRoles').splice(partOf(s, 'iamRoles').indexOf(deliveryRole(s)), 1);
    const line = lineOf(run('iam-role', s), TRUST);
    expect(line.hint).toBe('No role trusts vpc-flow-logs.amazonaws.com; create VPCFlowLogsDeliveryRole with the trust policy from this step.');
  });

  it('flow log with traffic type REJECT: fails and says to create one with ALL', () => {
    const s = complete();
    flowLog(s).trafficType = 'REJECT';
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([TRAFFIC]);
    expect(lineOf(result, TRAFFIC).hint).toContain(`The flow log on VPC 1 (${FLOW_LOG}) captures REJECT traffic only; create one with traffic type ALL`);
  });

  it('role trusted by ec2.amazonaws.com: fails and names both services', () => {
    const s = complete();
    deliveryRole(s).trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([TRUST]);
    expect(lineOf(result, TRUST).hint).toContain('Role VPCFlowLogsDeliveryRole is trusted by ec2.amazonaws.com, not vpc-flow-logs.amazonaws.com');
  });

  it('Principal.Service as a list that includes the service: passes', () => {
    const s = complete();
    deliveryRole(s).trustPolicy = { Statement: { Effect: 'Allow', Principal: { Service: ['ec2.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] }, Action: ['sts:AssumeRole'] } };
    expect(run('iam-role', s).passed).toBe(true);
  });

  it('policy without logs:PutLogEvents: fails and names the missing action', () => {
    const s = complete();
    deliveryRole(s).policies[0].document = permissions({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'], Resource: '*' });
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([PERMS]);
    expect(lineOf(result, PERMS).hint).toBe("Role VPCFlowLogsDeliveryRole's permissions do not allow logs:PutLogEvents; add it to its policy.");
  });

  it('wildcard actions in a managed policy scoped to the group ARN: pass', () => {
    const s = complete();
    deliveryRole(s).policies = [
      {
        name: 'FlowLogsWriter',
        kind: 'managed',
        arn: 'arn:aws:iam::111122223333:policy/FlowLogsWriter',
        document: permissions([
          { Effect: 'Allow', Action: ['logs:Put*', 'logs:Create*'], Resource: `arn:aws:logs:us-east-1:111122223333:log-group:${GROUP}:*` },
          { Effect: 'Allow', Action: 'logs:Describe*', Resource: '*' },
        ]),
      },
    ];
    expect(lineOf(run('iam-role', s), PERMS).ok).toBe(true);
  });

  it('actions allowed only on another log group: fails and says the resource does not cover the group', () => {
    const s = complete();
    deliveryRole(s).policies[0].document = permissions({ Effect: 'Allow', Action: 'logs:*', Resource: 'arn:aws:logs:us-east-1:111122223333:log-group:other:*' });
    expect(lineOf(run('iam-role', s), PERMS).hint).toContain(`but not on log group ${GROUP}`);
  });

  it('a Deny on logs:PutLogEvents wins over the Allow: fails and names the denying policy', () => {
    const s = complete();
    deliveryRole(s).policies.push({ name: 'NoWrites', kind: 'inline', document: permissions({ Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: '*' }) });
    expect(lineOf(run('iam-role', s), PERMS).hint).toBe("Role VPCFlowLogsDeliveryRole's policy NoWrites denies logs:PutLogEvents; remove that Deny.");
  });

  it('the only policy is unreadable: unknown, not a failure', () => {
    const s = complete();
    deliveryRole(s).policies[0].document = null;
    const line = lineOf(run('iam-role', s), PERMS);
    expect(line).toMatchObject({ ok: 'unknown', detail: 'Could not check: could not read policy VPCFlowLogsDeliveryPolicy of role VPCFlowLogsDeliveryRole.' });
  });

  it('10-minute aggregation interval: fails and asks for 1 minute', () => {
    const s = complete();
    flowLog(s).maxAggregationInterval = 600;
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([INTERVAL]);
    expect(lineOf(result, INTERVAL).hint).toContain('aggregates records over 10 minutes (600 s); the lab asks for 1 minute');
  });

  it('delivery failing: fails and quotes the error message', () => {
    const s = complete();
    Object.assign(flowLog(s), { deliverLogsStatus: 'FAILED', deliverLogsErrorMessage: 'Access error' });
    expect(lineOf(run('iam-role', s), STATUS).hint).toBe(`Flow log ${FLOW_LOG} delivery is failing: Access error. Check the role's trust and permissions policies.`);
  });

  it('flow log uses another role than the one that trusts the service: fails and names both', () => {
    const s = complete();
    flowLog(s).deliverLogsPermissionArn = 'arn:aws:iam::111122223333:role/OldFlowLogsRole';
    expect(lineOf(run('iam-role', s), DELIVERY).hint).toContain('uses role OldFlowLogsRole, which does not exist, not VPCFlowLogsDeliveryRole');
  });

  it('flow log sends to S3: fails and says to use CloudWatch Logs', () => {
    const s = complete();
    Object.assign(flowLog(s), { logDestinationType: 's3', logGroupName: undefined, logDestination: 'arn:aws:s3:::my-flow-logs' });
    expect(lineOf(run('iam-role', s), DELIVERY).hint).toContain('sends its records to s3, not to a CloudWatch Logs log group');
  });

  it('no flow log on VPC 1: the flow log lines stay, pointing at the missing flow log', () => {
    const s = complete();
    flowLog(s).resourceId = VPC_B;
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([TRAFFIC, DELIVERY, STATUS, INTERVAL, FORMAT]);
    expect(lineOf(result, TRAFFIC).hint).toContain(`VPC 1 (${VPC_A}) has no flow log in us-east-1 (flow log ${FLOW_LOG} watches ${VPC_B}, not VPC 1)`);
    expect(lineOf(result, INTERVAL).hint).toBe('Create a flow log on VPC 1 first (see above).');
  });

  it('IAM roles unreadable: role lines unknown naming iam:ListRoles, flow log lines still judged', () => {
    const result = run('iam-role', denyPart(complete(), 'iamRoles', 'iam:ListRoles'));
    expect(result.passed).toBe(false);
    expect(lineOf(result, TRUST)).toMatchObject({ ok: 'unknown', detail: 'Could not check: could not read IAM roles: the role lacks iam:ListRoles.' });
    expect(lineOf(result, TRAFFIC).ok).toBe(true);
  });
});

describe('ping check', () => {
  const PRIVATE = "ICMP from instance 1 to instance 2's private IP got no reply";
  const PUBLIC = "ICMP from instance 1 to instance 2's public IP was recorded";
  const REPLIES = "Replies from instance 2's public IP were recorded";

  it('right after step 5 (no peering yet): passes, with the records as evidence', () => {
    const result = run('ping', afterPing());
    expect(result.passed).toBe(true);
    expect(result.evidence.records).toEqual([
      { src: A_PRIVATE, dst: B_PRIVATE, protocol: 1, action: 'ACCEPT', packets: 5, bytes: 420, start: 1718013000, end: 1718013060 },
      { src: A_PRIVATE, dst: B_PUBLIC, protocol: 1, action: 'ACCEPT', packets: 5, bytes: 420, start: 1718013120, end: 1718013180 },
      { src: B_PUBLIC, dst: A_PRIVATE, protocol: 1, action: 'ACCEPT', packets: 5, bytes: 420, start: 1718013120, end: 1718013180 },
    ]);
  });

  it('no records yet: fails (not unknown) and says records arrive late', () => {
    const s = afterPing();
    records(s).length = 0;
    const result = run('ping', s);
    expect(result.checks.map((c) => c.ok)).toEqual([false, false, false]);
    expect(lineOf(result, PRIVATE).hint).toBe(
      `No ICMP record from ${A_PRIVATE} to ${B_PRIVATE} in ${GROUP} yet. On instance 1 run ping -c 5 ${B_PRIVATE}. Flow records reach CloudWatch Logs a minute or more after the traffic (sometimes up to 10 minutes), so wait a few minutes and check again.`,
    );
    expect(lineOf(result, PRIVATE).detail).toBe(`No flow records in ${GROUP} yet.`);
  });

  it('no records yet in a sandbox: says records come within seconds and to ping again, not to wait minutes', () => {
    const s = afterPing();
    records(s).length = 0;
    const result = run('ping', s, checkContext({ sandbox: true }));
    expect(result.checks.map((c) => c.ok)).toEqual([false, false, false]);
    expect(lineOf(result, PRIVATE).hint).toBe(
      `No ICMP record from ${A_PRIVATE} to ${B_PRIVATE} in ${GROUP} yet. On instance 1 run ping -c 5 ${B_PRIVATE}. In the sandbox, flow records reach the log group within seconds, from the flow logs that exist and can deliver when the traffic is sent: a ping sent before then is never recorded, so ping again and check again.`,
    );
    for (const line of result.checks) expect(line.hint).not.toMatch(/minute/);
  });

  it('only the private ping so far: the public lines fail and say which address to ping', () => {
    const s = afterPing();
    const set = records(s);
    set.splice(0, set.length, ...set.filter((r) => r.dstAddr !== B_PUBLIC && r.srcAddr !== B_PUBLIC));
    const result = run('ping', s);
    expect(failingLabels(result)).toEqual([PUBLIC, REPLIES]);
    expect(lineOf(result, PUBLIC).hint).toContain(`ping -c 5 ${B_PUBLIC}`);
    expect(lineOf(result, PUBLIC).detail).toContain('The newest ends 69 min before this check.');
  });

  it('public requests without replies: fails and points at instance 2 security group and late records', () => {
    const s = afterPing();
    const set = records(s);
    set.splice(0, set.length, ...set.filter((r) => r.srcAddr !== B_PUBLIC));
    const hint = lineOf(run('ping', s), REPLIES).hint;
    expect(hint).toContain(`Requests from ${A_PRIVATE} to ${B_PUBLIC} were recorded, but no reply yet`);
    expect(hint).toContain('allows ICMP from 0.0.0.0/0');
    expect(hint).toContain('a minute or more');
  });

  it('replies rejected: fails and points at the network ACL', () => {
    const s = afterPing();
    only(records(s), (r) => r.srcAddr === B_PUBLIC).action = 'REJECT';
    expect(lineOf(run('ping', s), REPLIES).hint).toContain("were rejected; check that VPC 1's network ACL allows inbound ICMP");
  });

  it('no flow log on VPC 1: every line points back to step 4', () => {
    const s = afterPing();
    partOf(s, 'flowLogs').length = 0;
    for (const line of run('ping', s).checks) expect(line.hint).toMatch(/^Finish step 4 first: VPC 1 \(vpc-0a1b2c3d4e5f60718\) has no flow log/);
  });

  it('flow records unreadable: unknown naming logs:FilterLogEvents, not passed', () => {
    const result = run('ping', denyPart(afterPing(), 'flowRecords', 'logs:FilterLogEvents'));
    expect(result.passed).toBe(false);
    expect(result.checks.every((c) => c.ok === 'unknown' && c.detail === 'Could not check: could not read flow records: the role lacks logs:FilterLogEvents.')).toBe(true);
  });
});

describe('peering check', () => {
  const EXISTS = 'A peering connection between VPC 1 and VPC 2 exists';
  const ACTIVE = 'The peering connection is active';

  it('complete account: evidence names the connection and both VPCs', () => {
    expect(run('peering', complete()).evidence.peering).toEqual({ peeringId: PCX, status: 'active', requesterVpcId: VPC_A, accepterVpcId: VPC_B });
  });

  it('no peering yet (after step 5): fails and says to create and accept one', () => {
    const result = run('peering', afterPing());
    expect(lineOf(result, EXISTS).hint).toBe(
      `There is no peering connection in us-east-1 between VPC 1 (${VPC_A}) and VPC 2 (${VPC_B}); create one with VPC 1 as requester and VPC 2 as accepter, then accept it.`,
    );
    expect(lineOf(result, ACTIVE).hint).toBe('Create the peering connection first (see above).');
  });

  it('still pending-acceptance: fails, says accept it and names the pcx id', () => {
    const s = complete();
    peeringOf(s).status = 'pending-acceptance';
    const result = run('peering', s);
    expect(failingLabels(result)).toEqual([ACTIVE]);
    expect(lineOf(result, ACTIVE).hint).toContain(`Peering connection ${PCX} is waiting for acceptance: accept it`);
    expect(lineOf(result, ACTIVE).hint).toContain(`--vpc-peering-connection-id ${PCX}`);
  });

  it('rejected: fails and says to create a new one', () => {
    const s = complete();
    peeringOf(s).status = 'rejected';
    expect(lineOf(run('peering', s), ACTIVE).hint).toBe(`Peering connection ${PCX} is rejected; create a new peering connection between VPC 1 and VPC 2 and accept it.`);
  });

  it('only a deleted one left: the connection does not count as existing', () => {
    const s = complete();
    peeringOf(s).status = 'deleted';
    expect(lineOf(run('peering', s), EXISTS).hint).toBe(`Peering connection ${PCX} between VPC 1 and VPC 2 was deleted; create a new one and accept it.`);
  });

  it('peered with the default VPC instead of VPC 2: fails and names the wrong VPC', () => {
    const s = complete();
    peeringOf(s).accepterVpcId = DEFAULT_VPC;
    expect(lineOf(run('peering', s), EXISTS).hint).toContain(`Peering connection ${PCX} connects VPC 1 with ${DEFAULT_VPC}, not VPC 1 with VPC 2`);
  });

  it('VPC 2 as requester: either direction counts', () => {
    const s = complete();
    Object.assign(peeringOf(s), { requesterVpcId: VPC_B, accepterVpcId: VPC_A });
    expect(run('peering', s).passed).toBe(true);
  });

  it('moto ignores filters: unrelated and old connections in the list do not confuse the choice', () => {
    const s = complete();
    const base = peeringOf(s);
    partOf(s, 'peerings').unshift(
      { ...base, vpcPeeringConnectionId: 'pcx-0aaaaaaaaaaaaaaa1', status: 'active', requesterVpcId: 'vpc-0123456789abcdef0', accepterVpcId: 'vpc-0fedcba9876543210' },
      { ...base, vpcPeeringConnectionId: 'pcx-0aaaaaaaaaaaaaaa2', status: 'deleted' },
    );
    const line = lineOf(run('peering', s), EXISTS);
    expect(line.detail).toContain(`2 peering connections join VPC 1 and VPC 2 (pcx-0aaaaaaaaaaaaaaa2, ${PCX}); using ${PCX}`);
    expect(run('peering', s).passed).toBe(true);
  });

  it('peerings unreadable: unknown naming ec2:DescribeVpcPeeringConnections', () => {
    const result = run('peering', denyPart(complete(), 'peerings', 'ec2:DescribeVpcPeeringConnections'));
    expect(lineOf(result, EXISTS)).toMatchObject({ ok: 'unknown', detail: 'Could not check: could not read VPC peering connections: the role lacks ec2:DescribeVpcPeeringConnections.' });
    expect(result.passed).toBe(false);
  });
});

describe('routes check', () => {
  const THERE = "VPC 1's route table sends instance 2's private IP through the peering connection";
  const BACK = "VPC 2's route table sends instance 1's private IP back through the peering connection";
  const REPLY = "Instance 1's ping to instance 2's private IP and its reply both went through the peering connection";

  it('complete account: evidence lists both routes and the records', () => {
    const evidence = run('routes', complete()).evidence;
    expect(evidence.routes).toEqual([
      { vpc: 'VPC 1', routeTableId: RT_A, destination: '10.2.0.0/16', target: PCX },
      { vpc: 'VPC 2', routeTableId: RT_B, destination: '10.1.0.0/16', target: PCX },
    ]);
    expect(evidence.records).toHaveLength(3);
  });

  it('route on one side only: fails and names VPC 2', () => {
    const s = withoutRoute(complete(), RT_B, '10.1.0.0/16');
    const result = run('routes', s);
    expect(lineOf(result, THERE).ok).toBe(true);
    expect(lineOf(result, BACK).hint).toBe(
      `VPC 2's route table ${RT_B} has no route back to 10.1.0.0/16 through the peering connection ${PCX}; add 10.1.0.0/16 → ${PCX} to ${RT_B}.`,
    );
  });

  it("route only in VPC 1's main table, which the public subnet does not use: fails and says where the route is", () => {
    const s = withoutRoute(complete(), RT_A, '10.2.0.0/16');
    table(s, MAIN_RT_A).routes.push({ destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: PCX, state: 'active' });
    expect(lineOf(run('routes', s), THERE).hint).toContain(`(there is one in ${MAIN_RT_A}, but the instance's subnet uses ${RT_A})`);
  });

  it('longest prefix: a more specific route to the internet gateway wins over the peering route: fails and says so', () => {
    const s = complete();
    table(s, RT_A).routes.push({ destinationCidrBlock: '10.2.0.0/24', gatewayId: IGW_A, state: 'active' });
    expect(lineOf(run('routes', s), THERE).hint).toBe(
      `In VPC 1's route table ${RT_A}, the more specific route 10.2.0.0/24 → ${IGW_A} wins over 10.2.0.0/16 → ${PCX} for ${B_PRIVATE}; remove it or point it at ${PCX}.`,
    );
  });

  it('longest prefix: a more specific peering route wins over a wider route elsewhere: passes', () => {
    const s = withoutRoute(complete(), RT_A, '10.2.0.0/16');
    table(s, RT_A).routes.push({ destinationCidrBlock: '10.2.0.0/16', gatewayId: IGW_A, state: 'active' });
    table(s, RT_A).routes.push({ destinationCidrBlock: '10.2.0.32/27', vpcPeeringConnectionId: PCX, state: 'active' });
    expect(lineOf(run('routes', s), THERE).detail).toBe(`${RT_A}: 10.2.0.32/27 → ${PCX} is the most specific route for ${B_PRIVATE}.`);
  });

  it('blackhole route to an old peering connection is not counted: fails and says to replace it', () => {
    const s = withoutRoute(complete(), RT_A, '10.2.0.0/16');
    table(s, RT_A).routes.push({ destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: 'pcx-0aaaaaaaaaaaaaaa2', state: 'blackhole' });
    expect(lineOf(run('routes', s), THERE).hint).toContain('10.2.0.0/16 → pcx-0aaaaaaaaaaaaaaa2, but it is a blackhole');
  });

  it('peering still pending: route lines point back to step 6 and say accept it', () => {
    const s = complete();
    peeringOf(s).status = 'pending-acceptance';
    const result = run('routes', s);
    expect(lineOf(result, THERE).hint).toMatch(new RegExp(`^Finish step 6 first: Peering connection ${PCX} is waiting for acceptance: accept it`));
    expect(lineOf(result, BACK).ok).toBe(false);
  });

  it('routes in place but the ping was before them: the reply line fails and says to ping again', () => {
    const s = complete();
    records(s).splice(records(s).findIndex((r) => r.srcAddr === B_PRIVATE), 1);
    const result = run('routes', s);
    expect(failingLabels(result)).toEqual([REPLY]);
    expect(lineOf(result, REPLY).hint).toContain(`run ping -c 5 ${B_PRIVATE} on instance 1 again`);
    expect(lineOf(result, REPLY).hint).toContain('a minute or more');
  });

  it('the same in a sandbox: the reply hint says to ping again, without waiting', () => {
    const s = complete();
    records(s).splice(records(s).findIndex((r) => r.srcAddr === B_PRIVATE), 1);
    const hint = lineOf(run('routes', s, checkContext({ sandbox: true })), REPLY).hint;
    expect(hint).toContain(`run ping -c 5 ${B_PRIVATE} on instance 1 again`);
    expect(hint).toContain('In the sandbox, flow records reach the log group within seconds');
    expect(hint).not.toContain('minute');
  });

  it('right after step 5: routes missing, no reply yet, and the reply hint says to add the route first', () => {
    const result = run('routes', afterPing());
    expect(failingLabels(result)).toEqual([THERE, BACK, REPLY]);
    expect(lineOf(result, REPLY).hint).toContain('Add the missing route first (see above)');
  });

  it('flow records unreadable: record lines unknown, route lines still judged', () => {
    const result = run('routes', denyPart(complete(), 'flowRecords', 'logs:FilterLogEvents'));
    expect(result.checks.map((c) => c.ok)).toEqual([true, true, 'unknown']);
    expect(lineOf(result, REPLY).detail).toContain('logs:FilterLogEvents');
  });
});

describe('insights check', () => {
  const QUERY = 'A Logs Insights query over the flow log group sums bytes by source and destination address';
  const DONE = 'The query has completed';
  const queries = (s: AccountSnapshot) => partOf(s, 'insightsQueries');
  const statsQuery = (s: AccountSnapshot) => only(queries(s), (q) => q.queryString.includes('stats'));

  it('complete account (console SOURCE prefix): passes, with the query as evidence', () => {
    const result = run('insights', complete());
    expect(result.evidence.query).toMatchObject({ queryId: 'a2d9e7b4-0c61-4f3e-8b12-5e7f9a3c6d21', status: 'Complete', logGroupName: GROUP });
    expect(lineOf(result, QUERY).detail).toContain('SOURCE "vpc-flow-logs-lab" START=-10800s END=0s | stats sum(bytes)');
  });

  it('no query yet: fails and gives the query to run', () => {
    const result = run('insights', afterPing());
    expect(lineOf(result, QUERY).hint).toBe(
      `No Logs Insights query has run on ${GROUP} yet; run this query over it: stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10`,
    );
    expect(lineOf(result, DONE).hint).toBe('Run the query first (see above).');
  });

  it('still running: fails and says to wait for it to complete', () => {
    const s = complete();
    statsQuery(s).status = 'Running';
    const result = run('insights', s);
    expect(failingLabels(result)).toEqual([DONE]);
    expect(lineOf(result, DONE).hint).toBe('Query a2d9e7b4-0c61-4f3e-8b12-5e7f9a3c6d21 is still Running; wait for it to complete, then check again.');
  });

  it('failed or cancelled: fails and says to run it again', () => {
    for (const status of ['Failed', 'Cancelled']) {
      const s = complete();
      statsQuery(s).status = status;
      expect(lineOf(run('insights', s), DONE).hint).toBe(`Query a2d9e7b4-0c61-4f3e-8b12-5e7f9a3c6d21 ended as ${status}; run it again and let it finish.`);
    }
  });

  it('right query on another log group: fails and names both groups', () => {
    const s = complete();
    Object.assign(statsQuery(s), { logGroupName: '/aws/lambda/report-mailer', queryString: 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr' });
    expect(lineOf(run('insights', s), QUERY).hint).toBe(
      `Your query to sum bytes by srcAddr and dstAddr ran on /aws/lambda/report-mailer, not on ${GROUP} (the flow log's log group); run it again with ${GROUP} selected.`,
    );
  });

  it('only a query of another shape on the group: fails and quotes it', () => {
    const s = complete();
    queries(s).splice(queries(s).indexOf(statsQuery(s)), 1);
    const hint = lineOf(run('insights', s), QUERY).hint;
    expect(hint).toContain('("SOURCE "vpc-flow-logs-lab" START=-10800s END=0s | fields @timestamp, @message | sort @timestamp desc | limit 20") does not sum bytes');
  });

  it('variant without sort and limit, fields swapped, odd case and spacing: passes and says sort/limit are missing', () => {
    const s = complete();
    statsQuery(s).queryString = '  STATS   Sum( bytes )  AS total  BY dstaddr ,srcAddr ';
    const line = lineOf(run('insights', s), QUERY);
    expect(line.ok).toBe(true);
    expect(line.detail).toContain('It has no "sort bytesTransferred desc | limit 10"; that is fine.');
  });

  it('grouped by a third field too: does not count', () => {
    const s = complete();
    statsQuery(s).queryString = 'stats sum(bytes) by srcAddr, dstAddr, dstPort';
    expect(lineOf(run('insights', s), QUERY).ok).toBe(false);
  });

  it('query without logGroupName: recognised by the group in its SOURCE prefix', () => {
    const s = complete();
    delete statsQuery(s).logGroupName;
    expect(run('insights', s).passed).toBe(true);
  });

  it('queries unreadable: unknown naming logs:DescribeQueries', () => {
    const result = run('insights', denyPart(complete(), 'insightsQueries', 'logs:DescribeQueries'));
    expect(result.passed).toBe(false);
    expect(lineOf(result, QUERY)).toMatchObject({ ok: 'unknown', detail: 'Could not check: could not read Logs Insights queries: the role lacks logs:DescribeQueries.' });
    expect(lineOf(result, DONE).ok).toBe('unknown');
  });
});

// ---------------------------------------------------------------------------------------------
// Near misses from issue 8: each set-up is one a real learner made, where AWS and the old checks disagreed.

describe('near misses: step numbers come from the lab, not the checks', () => {
  it('a lab order where iam-role is step 3: "Finish step 3 first" for the missing flow log', () => {
    const s = afterPing();
    partOf(s, 'flowLogs').length = 0;
    const steps = ['vpcs', 'instances', 'iam-role', 'flow-logs', 'ping', 'peering', 'routes', 'insights'];
    for (const line of run('ping', s, checkContext({ steps })).checks) expect(line.hint).toMatch(/^Finish step 3 first: /);
  });
});

describe('near misses: messages name the Region that was checked', () => {
  const inIreland = checkContext({ region: 'eu-west-1' });

  it('step 1: VPC 1 was not found in the Region', () => {
    expect(lineOf(run('vpcs', emptyAccount(), inIreland), 'VPC 1 (10.1.0.0/16) exists').hint).toMatch(/^VPC 1 \(10\.1\.0\.0\/16\) was not found in eu-west-1/);
  });

  it('step 2: no instance in VPC 1 in the Region', () => {
    const s = complete();
    partOf(s, 'instances').length = 0;
    expect(lineOf(run('instances', s, inIreland), 'Instance 1 runs in a public subnet of VPC 1').hint).toContain('in eu-west-1');
  });

  it('step 3: no log group in the Region', () => {
    expect(lineOf(run('flow-logs', emptyAccount(), inIreland), "A log group for VPC 1's flow logs exists").hint).toContain('in eu-west-1');
  });

  it('step 4: no flow log on VPC 1 in the Region', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    expect(lineOf(run('iam-role', s, inIreland), 'VPC 1 has a flow log that records ALL traffic').hint).toContain('in eu-west-1');
  });

  it('step 6: no peering connection in the Region', () => {
    expect(lineOf(run('peering', afterPing(), inIreland), 'A peering connection between VPC 1 and VPC 2 exists').hint).toContain('in eu-west-1');
  });
});

describe('near misses: step 3 (flow-logs)', () => {
  const LABEL = "A log group for VPC 1's flow logs exists";
  const logGroups = (s: AccountSnapshot) => partOf(s, 'logGroups');

  it('an unrelated /aws/lambda group made after the learner began, no lab group, no flow log: fails', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    logGroups(s).splice(0, logGroups(s).length, { logGroupName: '/aws/lambda/thumbnailer', creationTime: Date.parse('2024-06-10T10:15:00Z') });
    const line = lineOf(run('flow-logs', s), LABEL);
    expect(line.ok).toBe(false);
    expect(line.hint).toBe(`No log group named ${GROUP} in us-east-1, and no flow log on VPC 1 delivers to another one; create ${GROUP} there.`);
  });

  it('the first check is step 3, so the learner "began" now: the lab group made an hour ago still counts', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    const justNow = checkContext({ labStartedAt: new Date('2024-06-10T11:00:00Z') });
    expect(lineOf(run('flow-logs', s, justNow), LABEL)).toMatchObject({ ok: true, detail: `${GROUP} exists (created 2024-06-10 09:20 UTC).` });
  });

  it("a group that a flow log on instance 1's subnet delivers to counts, whatever its name and age", () => {
    const s = complete();
    Object.assign(flowLog(s), { resourceId: SUBNET_A, logGroupName: 'net-audit' });
    logGroups(s).splice(0, logGroups(s).length, { logGroupName: 'net-audit', creationTime: Date.parse('2024-01-02T08:00:00Z') });
    expect(lineOf(run('flow-logs', s), LABEL)).toMatchObject({ ok: true, detail: `net-audit: flow log ${FLOW_LOG} on instance 1's subnet delivers to it.` });
  });

  it('a group named like the lab group but not exactly: fails and says the exact name', () => {
    const s = complete();
    partOf(s, 'flowLogs').length = 0;
    only(logGroups(s), (g) => g.logGroupName === GROUP).logGroupName = 'VPC-Flow-Logs-Lab';
    expect(lineOf(run('flow-logs', s), LABEL).hint).toBe(
      `Log group VPC-Flow-Logs-Lab is not the lab's group: log group names are case-sensitive and the lab's is exactly ${GROUP}; create ${GROUP} in us-east-1.`,
    );
  });
});

describe('near misses: step 4 (iam-role)', () => {
  const PERMS = "The role's policies allow the four logs actions on the log group";
  const TRAFFIC = 'VPC 1 has a flow log that records ALL traffic';
  const FORMAT = 'The flow log writes records in the AWS default format';
  const GROUP_ARN = `arn:aws:logs:us-east-1:111122223333:log-group:${GROUP}`;

  it('a custom LogFormat: fails with a clear cross saying to recreate it with the default format', () => {
    const s = complete();
    flowLog(s).logFormat = '${srcaddr} ${dstaddr} ${bytes}';
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([FORMAT]);
    expect(lineOf(result, FORMAT).hint).toBe(
      `Flow log ${FLOW_LOG} uses a custom format (\${srcaddr} \${dstaddr} \${bytes}); create one with the AWS default format, then delete this one (a flow log cannot be modified).`,
    );
  });

  it('Resource is the log group ARN without :*: PutLogEvents and CreateLogStream act on streams, so it fails and shows the :* form', () => {
    const s = complete();
    deliveryRole(s).policies[0].document = permissions({
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'],
      Resource: GROUP_ARN,
    });
    const result = run('iam-role', s);
    expect(failingLabels(result)).toEqual([PERMS]);
    expect(lineOf(result, PERMS).hint).toBe(
      `Role VPCFlowLogsDeliveryRole's policies allow logs:CreateLogStream, logs:PutLogEvents only on the log group itself (${GROUP_ARN}). ` +
        `AWS authorises these actions on the group's log streams (${GROUP_ARN}:log-stream:…), so the role cannot write log events; set the Resource to ${GROUP_ARN}:* (or "*").`,
    );
  });

  it("only a flow log on instance 1's subnet: step 4 still asks for VPC 1, and says the subnet flow log serves the rest of the lab", () => {
    const s = complete();
    flowLog(s).resourceId = SUBNET_A;
    const result = run('iam-role', s);
    expect(lineOf(result, TRAFFIC).ok).toBe(false);
    expect(lineOf(result, TRAFFIC).hint).toBe(
      `VPC 1 (${VPC_A}) has no flow log in us-east-1. Flow log ${FLOW_LOG} on instance 1's subnet records the same traffic, so steps 5, 7 and 8 can use it, ` +
        `but this step asks for one on VPC 1: create one with filter All, destination CloudWatch Logs, log group ${GROUP} and role VPCFlowLogsDeliveryRole.`,
    );
  });
});

describe("near misses: later steps read a flow log on instance 1's subnet or network interface", () => {
  for (const [where, resourceId] of [
    ['subnet', SUBNET_A],
    ['network interface', 'eni-0a1b2c3d4e5f67890'],
  ]) {
    it(`a flow log on instance 1's ${where} instead of VPC 1: steps 5, 7 and 8 pass on its records`, () => {
      const s = complete();
      flowLog(s).resourceId = resourceId;
      for (const step of ['ping', 'routes', 'insights']) expect({ step, failing: failingLabels(run(step, s)) }).toEqual({ step, failing: [] });
    });
  }

  it("a flow log on another subnet of VPC 1 does not record instance 1's traffic: step 5 points back to step 4", () => {
    const s = afterPing();
    flowLog(s).resourceId = 'subnet-0a1b2c3d4e5f69999';
    expect(lineOf(run('ping', s), "ICMP from instance 1 to instance 2's private IP got no reply").hint).toMatch(/^Finish step 4 first: VPC 1 \(vpc-0a1b2c3d4e5f60718\) has no flow log/);
  });
});

describe('near misses: custom record formats in steps 5 and 7', () => {
  const PRIVATE = "ICMP from instance 1 to instance 2's private IP got no reply";

  it('the only flow log has a custom format without the fields the check needs: says so instead of "no records yet"', () => {
    const s = afterPing();
    flowLog(s).logFormat = '${srcaddr} ${dstaddr} ${bytes}';
    records(s).length = 0;
    const hint = lineOf(run('ping', s), PRIVATE).hint!;
    expect(hint).toBe(
      `Finish step 4 first: Flow log ${FLOW_LOG} writes records in a custom format without protocol, action, start, end, which this check needs; create a flow log with the AWS default format.`,
    );
    expect(hint).not.toContain('a minute or more');
  });

  it('a custom format that holds every field the checks read: its records are used and step 5 passes', () => {
    const s = afterPing();
    flowLog(s).logFormat = '${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags}';
    expect(failingLabels(run('ping', s))).toEqual([]);
  });
});

describe('near misses: step 5 (ping) must prove the failure', () => {
  const PRIVATE = "ICMP from instance 1 to instance 2's private IP got no reply";

  it('peered first, so every private ping was answered: fails, and the hint says how to see the failure', () => {
    const s = afterPing();
    const request = only(records(s), (r) => r.srcAddr === A_PRIVATE && r.dstAddr === B_PRIVATE);
    records(s).push({ ...request, srcAddr: B_PRIVATE, dstAddr: A_PRIVATE });
    const result = run('ping', s);
    expect(result.passed).toBe(false);
    expect(failingLabels(result)).toEqual([PRIVATE]);
    expect(lineOf(result, PRIVATE).hint).toBe(
      `Every ICMP request from ${A_PRIVATE} to ${B_PRIVATE} in the records got a reply, so they do not show the failure this step is about (the VPCs were probably peered and routed already). ` +
        `To see it: remove the route to the peering connection from instance 1's route table ${RT_A}, run ping -c 5 ${B_PRIVATE} on instance 1 (no replies), then add the route back. ` +
        'Flow records reach CloudWatch Logs a minute or more after the traffic (sometimes up to 10 minutes), so wait a few minutes and check again.',
    );
  });

  it('a reply that was rejected on its way back does not answer the request: passes', () => {
    const s = afterPing();
    const request = only(records(s), (r) => r.srcAddr === A_PRIVATE && r.dstAddr === B_PRIVATE);
    records(s).push({ ...request, srcAddr: B_PRIVATE, dstAddr: A_PRIVATE, action: 'REJECT' });
    expect(lineOf(run('ping', s), PRIVATE).ok).toBe(true);
  });

  it('a request rejected by instance 1 itself (REJECT) with no reply also proves the failure', () => {
    const s = afterPing();
    only(records(s), (r) => r.srcAddr === A_PRIVATE && r.dstAddr === B_PRIVATE).action = 'REJECT';
    expect(lineOf(run('ping', s), PRIVATE).ok).toBe(true);
  });
});

describe('near misses: step 7 (routes) proves the request and the reply', () => {
  const ANSWERED = "Instance 1's ping to instance 2's private IP and its reply both went through the peering connection";

  it('the line says what it proves, with the pair of records as detail', () => {
    const line = lineOf(run('routes', complete()), ANSWERED);
    expect(line).toMatchObject({ ok: true, detail: `1 answered ICMP request(s), 5 packets, e.g. ${A_PRIVATE} → ${B_PRIVATE} ACCEPT.` });
  });

  it('requests accepted but no reply in the same window (only the unanswered step-5 ping): fails', () => {
    const s = complete();
    records(s).splice(records(s).findIndex((r) => r.srcAddr === B_PRIVATE), 1);
    expect(lineOf(run('routes', s), ANSWERED).ok).toBe(false);
  });
});
