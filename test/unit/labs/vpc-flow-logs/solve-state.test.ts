// Discovery in the VPC Flow Logs lab: what a snapshot of the learner's account holds, found as the checks find it, and what each solution still needs.
import { missingFor, stateFromSnapshot, type LabState } from '../../../../labs/vpc-flow-logs/solve';
import { checkContext, denyPart, loadSnapshot, only, partOf } from '../../../helpers/snapshots';

describe('VPC Flow Logs lab state from a snapshot', () => {
  it('the complete account: both sides with their public subnet, table, gateway and instance; role, flow log, group and active peering', () => {
    const state = stateFromSnapshot(loadSnapshot('vpc-flow-logs/complete'), checkContext());
    expect(state.a).toMatchObject({ vpcId: 'vpc-0a1b2c3d4e5f60718', instanceId: 'i-0a1b2c3d4e5f60718', eniId: 'eni-0a1b2c3d4e5f67890', privateIp: '10.1.0.25', publicIp: '3.85.120.17', securityGroupId: 'sg-0a1b2c3d4e5f60718' });
    expect(state.b).toMatchObject({ vpcId: 'vpc-0b2c3d4e5f6071829', instanceId: 'i-0b2c3d4e5f6071829', privateIp: '10.2.0.47', publicIp: '54.167.33.201' });
    expect(state.a!.subnetId).toMatch(/^subnet-/);
    expect(state.a!.routeTableId).toMatch(/^rtb-/);
    expect(state.a!.internetGatewayId).toMatch(/^igw-/);
    expect(state).toMatchObject({
      roleArn: 'arn:aws:iam::111122223333:role/VPCFlowLogsDeliveryRole',
      flowLogId: 'fl-0e1f2a3b4c5d6e7f8',
      logGroupName: 'vpc-flow-logs-lab',
      peeringId: 'pcx-0c1d2e3f4a5b6c7d8',
      peeringActive: true,
    });
    for (const step of ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights'] as const) expect({ step, missing: missingFor(step, state) }).toEqual({ step, missing: [] });
  });

  it('an empty account: nothing is found, and each solution names the earlier steps it needs, in lab order', () => {
    const state = stateFromSnapshot(loadSnapshot('vpc-flow-logs/empty-account'), checkContext());
    expect(state).toEqual({});
    expect(missingFor('vpcs', state)).toEqual([]);
    expect(missingFor('flow-logs', state)).toEqual([]);
    expect(missingFor('instances', state)).toEqual(['vpcs']);
    expect(missingFor('iam-role', state)).toEqual(['vpcs', 'flow-logs']);
    expect(missingFor('ping', state)).toEqual(['vpcs', 'instances', 'flow-logs', 'iam-role']);
    expect(missingFor('routes', state)).toEqual(['vpcs', 'instances', 'flow-logs', 'iam-role', 'peering']);
    expect(missingFor('insights', state)).toEqual(['flow-logs', 'iam-role']);
  });

  it('a flow log that step 4 would not accept (REJECT only) is not taken: step 4 replaces it, and steps 5 to 8 wait for it', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    partOf(snapshot, 'flowLogs')[0].trafficType = 'REJECT';
    const state = stateFromSnapshot(snapshot, checkContext());
    expect(state.flowLogId).toBeUndefined();
    expect(state.logGroupName).toBe('vpc-flow-logs-lab');
    expect(missingFor('ping', state)).toEqual(['iam-role']);
    expect(missingFor('iam-role', state)).toEqual([]);
  });

  it('a peering connection still pending acceptance: found, not active, so routes wait for step 6', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    partOf(snapshot, 'peerings')[0].status = 'pending-acceptance';
    const state: LabState = stateFromSnapshot(snapshot, checkContext());
    expect(state).toMatchObject({ peeringId: 'pcx-0c1d2e3f4a5b6c7d8', peeringActive: false });
    expect(missingFor('routes', state)).toEqual(['peering']);
  });

  it('VPC 2 without a route to its internet gateway: its VPC is remembered for step 1 to complete, and the instances wait', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    for (const table of partOf(snapshot, 'routeTables').filter((t) => t.vpcId === 'vpc-0b2c3d4e5f6071829')) table.routes = table.routes.filter((r) => r.destinationCidrBlock !== '0.0.0.0/0');
    const state = stateFromSnapshot(snapshot, checkContext());
    expect(state.b).toBeUndefined();
    expect(state.vpcIds).toEqual({ b: 'vpc-0b2c3d4e5f6071829' });
    expect(missingFor('instances', state)).toEqual(['vpcs']);
  });

  it('a stopped instance 1: the side stays (its subnet is public) without an instance, so step 2 launches one', () => {
    const snapshot = loadSnapshot('vpc-flow-logs/complete');
    only(partOf(snapshot, 'instances'), (i) => i.instanceId === 'i-0a1b2c3d4e5f60718').state = 'stopped';
    const state = stateFromSnapshot(snapshot, checkContext());
    expect(state.a).toBeDefined();
    expect(state.a!.instanceId).toBeUndefined();
    expect(missingFor('ping', state)).toEqual(['instances']);
  });

  it('a part that could not be read stops discovery with the reason, rather than guessing', () => {
    const snapshot = denyPart(loadSnapshot('vpc-flow-logs/complete'), 'iamRoles', 'iam:ListRoles');
    expect(() => stateFromSnapshot(snapshot, checkContext())).toThrow(/could not read iamRoles.*iam:ListRoles/);
  });
});
