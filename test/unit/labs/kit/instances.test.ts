import { hintOf } from '../../../helpers/snapshots';
import { instanceInPublicSubnet, instancePublicIp, instanceRunning } from '../../../../server/labs/kit/instances';
import type { SubnetRouting } from '../../../../server/labs/kit/routing';
import type { Instance } from '../../../../server/verify/snapshot';

const instance = (over: Partial<Instance> = {}): Instance => ({ instanceId: 'i-1', state: 'running', securityGroupIds: [], networkInterfaceIds: [], tags: {}, ...over });
const place = { vpcName: 'VPC 1', launchIn: 'its public subnet 10.1.0.0/24 (subnet-1)', hasPublicSubnet: true };
const routing = (isPublic: boolean): SubnetRouting => ({
  subnet: { subnetId: 'subnet-2', vpcId: 'vpc-1', cidrBlock: '10.1.1.0/24', mapPublicIpOnLaunch: false, tags: {} },
  viaMain: true,
  isPublic,
  progress: isPublic ? 4 : 1,
  problem: isPublic ? undefined : 'it has no internet route',
});

describe('instances', () => {
  it('running passes; pending says wait; stopped says start it; terminated says launch a new one there', () => {
    expect(instanceRunning(instance(), place).ok).toBe(true);
    expect(hintOf(instanceRunning(instance({ state: 'pending' }), place))).toContain('still starting (pending); wait a minute');
    expect(hintOf(instanceRunning(instance({ state: 'stopped' }), place))).toBe('Instance i-1 in VPC 1 is stopped; start it.');
    expect(hintOf(instanceRunning(instance({ state: 'terminated' }), place))).toBe('Instance i-1 in VPC 1 is terminated; launch a new one in its public subnet 10.1.0.0/24 (subnet-1).');
  });

  it('a private subnet: says why it is not public and where to launch instead, or to make it public when there is no public one', () => {
    expect(instanceInPublicSubnet(instance(), routing(true), place).ok).toBe(true);
    expect(hintOf(instanceInPublicSubnet(instance(), routing(false), place))).toBe(
      'Instance i-1 is in subnet 10.1.1.0/24 (subnet-2), which is not public: it has no internet route; launch it in its public subnet 10.1.0.0/24 (subnet-1).',
    );
    expect(hintOf(instanceInPublicSubnet(instance(), routing(false), { ...place, hasPublicSubnet: false }))).toContain('make the subnet public or launch it in one that is');
  });

  it('no public IPv4 address: says how to get one', () => {
    expect(instancePublicIp(instance({ publicIpAddress: '3.85.120.17', privateIpAddress: '10.1.0.25' }))).toMatchObject({ ok: true, detail: '3.85.120.17 (private 10.1.0.25).' });
    expect(hintOf(instancePublicIp(instance()))).toContain('"Auto-assign public IP"');
  });
});
