// The lab's clean-up check: an account with the whole lab lists what is left with hourly costs; an emptied one passes.
import { cleanup, type Leftover } from '../../../../labs/vpc-flow-logs/cleanup';
import { checkContext, denyPart, loadSnapshot, partOf } from '../../../helpers/snapshots';

const leftovers = (evidence: Record<string, unknown>) => evidence.remaining as Leftover[];

describe('vpc-flow-logs clean-up', () => {
  it('the finished lab: fails, names each instance, the peering, flow log, log group, role and both VPCs, with a cost per hour', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    const result = cleanup.run(snapshot, checkContext());
    expect(result.passed).toBe(false);
    const kinds = leftovers(result.evidence).map((l) => l.kind).sort();
    expect(kinds).toEqual(['flow log', 'instance', 'instance', 'log group', 'peering', 'role', 'vpc', 'vpc']);
    const instances = result.checks.find((c) => c.label === 'The instances are terminated')!;
    expect(instances.ok).toBe(false);
    expect(instances.detail).toMatch(/About \$0\.0\d+ per hour/);
    expect(instances.hint).toContain('Terminate both instances');
    // Two running instances with public addresses: two instance-hours and two public IPv4 addresses.
    expect(result.evidence.totalHourlyUsd).toBeCloseTo(2 * (0.0104 + 0.005), 4);
  });

  it('everything deleted (terminated instances and a deleted peering still listed by AWS): passes with nothing left', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    for (const i of partOf(snapshot, 'instances')) i.state = 'terminated';
    for (const p of partOf(snapshot, 'peerings')) p.status = 'deleted';
    partOf(snapshot, 'flowLogs').length = 0;
    const groups = partOf(snapshot, 'logGroups');
    groups.splice(0, groups.length, ...groups.filter((g) => g.logGroupName !== 'vpc-flow-logs-lab'));
    const roles = partOf(snapshot, 'iamRoles');
    roles.splice(0, roles.length, ...roles.filter((r) => r.roleName !== 'VPCFlowLogsDeliveryRole'));
    const vpcs = partOf(snapshot, 'vpcs');
    vpcs.splice(0, vpcs.length, ...vpcs.filter((v) => v.isDefault));
    const result = cleanup.run(snapshot, checkContext());
    expect(result.checks.filter((c) => c.ok !== true)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.evidence.totalHourlyUsd).toBe(0);
  });

  it('a stopped instance is not clean: its disk is still billed', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    for (const i of partOf(snapshot, 'instances')) i.state = 'stopped';
    const result = cleanup.run(snapshot, checkContext());
    const line = result.checks.find((c) => c.label === 'The instances are terminated')!;
    expect(line.ok).toBe(false);
    expect(line.detail).toContain('stopped');
    expect(line.detail).toContain('gp3');
  });

  it('an unreadable part is "could not check", never a false all-clear', () => {
    const snapshot = denyPart(loadSnapshot('vpc-flow-logs/complete'), 'instances', 'ec2:DescribeInstances');
    const result = cleanup.run(snapshot, checkContext());
    expect(result.checks.find((c) => c.label === 'The instances are terminated')?.ok).toBe('unknown');
    expect(result.passed).toBe(false);
  });

  it('the default VPC and resources of other VPCs are never listed', () => {
    const result = cleanup.run(loadSnapshot('vpc-flow-logs/empty-account'), checkContext());
    expect(leftovers(result.evidence)).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
