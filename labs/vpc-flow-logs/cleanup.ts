// The lab's clean-up check: what the lab created that still exists in the account, and roughly what it costs per hour.
import type { CheckLine, StepCheck, StepResult } from '../../server/labs/check-types';
import { sameCidr } from '../../server/labs/kit/cidr';
import { formatUsd, PUBLIC_IPV4_HOURLY, runningInstanceHourly, stoppedInstanceHourly } from '../../server/labs/kit/costs';
import type { AccountSnapshot, Need, Part } from '../../server/verify/snapshot';
import { LAB_LOG_GROUP, LAB_ROLE_NAME, SIDES } from './lab-model';

export interface Leftover {
  kind: string;
  id: string;
  detail: string;
  hourlyUsd: number;
}

/** Peering connections in these states no longer exist for billing or routing. */
const PEERING_GONE = new Set(['deleted', 'deleting', 'rejected', 'expired', 'failed']);
const INSTANCE_GONE = new Set(['terminated', 'shutting-down']);

function value<T>(part: Part<T> | undefined): { ok: true; value: T } | { ok: false; reason: string } {
  if (!part) return { ok: false, reason: 'it was not read' };
  return part.ok ? part : { ok: false, reason: part.reason };
}

/** One line per kind of resource: a tick when none is left, a cross listing what is, "could not check" when unreadable. */
function line(label: string, read: { ok: true; value: Leftover[] } | { ok: false; reason: string }, hint: string): CheckLine {
  if (!read.ok) return { label, ok: 'unknown', detail: `Could not check: ${read.reason}.` };
  if (read.value.length === 0) return { label, ok: true };
  const cost = read.value.reduce((sum, l) => sum + l.hourlyUsd, 0);
  const items = read.value.map((l) => `${l.id} (${l.detail})`).join('; ');
  return { label, ok: false, detail: `Still there: ${items}.${cost > 0 ? ` About ${formatUsd(cost)} per hour.` : ''}`, hint };
}

function run(snapshot: AccountSnapshot): StepResult {
  const vpcs = value(snapshot.vpcs);
  const labVpcs = vpcs.ok ? vpcs.value.filter((v) => !v.isDefault && Object.values(SIDES).some((s) => sameCidr(v.cidrBlock, s.cidr))) : [];
  const labVpcIds = new Set(labVpcs.map((v) => v.vpcId));
  const nameOf = (vpcId: string) => {
    const vpc = labVpcs.find((v) => v.vpcId === vpcId);
    const side = vpc && Object.values(SIDES).find((s) => sameCidr(vpc.cidrBlock, s.cidr));
    return side ? side.name : vpcId;
  };

  const instancesPart = value(snapshot.instances);
  const instances = instancesPart.ok
    ? {
        ok: true as const,
        value: instancesPart.value
          .filter((i) => i.vpcId !== undefined && labVpcIds.has(i.vpcId) && !INSTANCE_GONE.has(i.state))
          .map((i): Leftover => {
            if (i.state === 'stopped' || i.state === 'stopping') {
              const cost = stoppedInstanceHourly();
              return { kind: 'instance', id: i.instanceId, detail: `${i.state} in ${nameOf(i.vpcId!)}: its ${cost.basis} is still billed`, hourlyUsd: cost.usd };
            }
            const cost = runningInstanceHourly((i as { instanceType?: string }).instanceType);
            const ip = i.publicIpAddress ? PUBLIC_IPV4_HOURLY : 0;
            const withIp = i.publicIpAddress ? ` plus ${formatUsd(PUBLIC_IPV4_HOURLY)}/h for public IPv4 ${i.publicIpAddress}` : '';
            return { kind: 'instance', id: i.instanceId, detail: `${i.state} in ${nameOf(i.vpcId!)}, ${cost.basis} about ${formatUsd(cost.usd)}/h${withIp}`, hourlyUsd: cost.usd + ip };
          }),
      }
    : instancesPart;

  const peeringsPart = value(snapshot.peerings);
  const peerings = peeringsPart.ok
    ? {
        ok: true as const,
        value: peeringsPart.value
          .filter((p) => !PEERING_GONE.has(p.status) && (labVpcIds.has(p.requesterVpcId) || labVpcIds.has(p.accepterVpcId)))
          .map((p): Leftover => ({ kind: 'peering', id: p.vpcPeeringConnectionId, detail: `${p.status}; no hourly charge, data across it is billed`, hourlyUsd: 0 })),
      }
    : peeringsPart;

  const flowLogsPart = value(snapshot.flowLogs);
  const subnets = value(snapshot.subnets);
  const labSubnetIds = new Set(subnets.ok ? subnets.value.filter((s) => labVpcIds.has(s.vpcId)).map((s) => s.subnetId) : []);
  const labEnis = new Set(instancesPart.ok ? instancesPart.value.filter((i) => i.vpcId && labVpcIds.has(i.vpcId)).flatMap((i) => i.networkInterfaceIds) : []);
  const flowLogs = flowLogsPart.ok
    ? {
        ok: true as const,
        value: flowLogsPart.value
          .filter((f) => labVpcIds.has(f.resourceId) || labSubnetIds.has(f.resourceId) || labEnis.has(f.resourceId))
          .map((f): Leftover => ({ kind: 'flow log', id: f.flowLogId, detail: `on ${f.resourceId}; each record it delivers is billed as log ingestion`, hourlyUsd: 0 })),
      }
    : flowLogsPart;

  const groupsPart = value(snapshot.logGroups);
  const flowLogGroups = new Set(flowLogsPart.ok ? flowLogsPart.value.filter((f) => labVpcIds.has(f.resourceId)).map((f) => f.logGroupName).filter(Boolean) : []);
  const logGroups = groupsPart.ok
    ? {
        ok: true as const,
        value: groupsPart.value
          .filter((g) => g.logGroupName === LAB_LOG_GROUP || flowLogGroups.has(g.logGroupName))
          .map((g): Leftover => ({ kind: 'log group', id: g.logGroupName, detail: 'its stored records are billed per GB-month', hourlyUsd: 0 })),
      }
    : groupsPart;

  const rolesPart = value(snapshot.iamRoles);
  const roles = rolesPart.ok
    ? { ok: true as const, value: rolesPart.value.filter((r) => r.roleName === LAB_ROLE_NAME).map((r): Leftover => ({ kind: 'role', id: r.roleName, detail: 'free, but an unused role is one more thing that can be misused', hourlyUsd: 0 })) }
    : rolesPart;

  const gatewaysPart = value(snapshot.internetGateways);
  const vpcLeft = vpcs.ok
    ? {
        ok: true as const,
        value: labVpcs.map((v): Leftover => {
          const gateways = gatewaysPart.ok ? gatewaysPart.value.filter((g) => g.attachments.some((a) => a.vpcId === v.vpcId)).map((g) => g.internetGatewayId) : [];
          return { kind: 'vpc', id: v.vpcId, detail: `${nameOf(v.vpcId)}, ${v.cidrBlock}${gateways.length ? `, with internet gateway ${gateways.join(', ')}` : ''}; free, but delete it so nothing is left behind`, hourlyUsd: 0 };
        }),
      }
    : vpcs;

  const lines = [
    line('The instances are terminated', instances, 'Terminate both instances (EC2 > Instances > Instance state > Terminate); a stopped instance still pays for its disk.'),
    line('The peering connection is deleted', peerings, 'Delete the peering connection between VPC 1 and VPC 2 (VPC > Peering connections > Actions > Delete).'),
    line('The flow log is deleted', flowLogs, 'Delete the flow log (VPC 1 > Flow logs tab > Actions > Delete), so nothing more is delivered.'),
    line('The log group is deleted', logGroups, `Delete the log group ${LAB_LOG_GROUP} in CloudWatch > Log groups.`),
    line('The delivery role is deleted', roles, `Delete the role ${LAB_ROLE_NAME} in IAM > Roles.`),
    line('Both lab VPCs are deleted', vpcLeft, 'Delete VPC 1 and VPC 2 (VPC > Your VPCs > Actions > Delete VPC), after the instances are terminated; it also deletes their subnets, route tables and security groups. Detach and delete the internet gateways first if asked.'),
  ];
  const remaining = [instances, peerings, flowLogs, logGroups, roles, vpcLeft].flatMap((r) => (r.ok ? r.value : []));
  const totalHourlyUsd = Math.round(remaining.reduce((sum, l) => sum + l.hourlyUsd, 0) * 10_000) / 10_000;
  return {
    passed: lines.every((l) => l.ok === true),
    checks: lines,
    evidence: { region: snapshot.region, remaining, totalHourlyUsd },
  };
}

const NEEDS: Need[] = ['vpcs', 'subnets', 'internetGateways', 'instances', 'peerings', 'flowLogs', 'logGroups', 'iamRoles'];

/** Passes when nothing the lab made is left; the evidence lists what is, with an hourly cost. */
export const cleanup: StepCheck = { needs: NEEDS, run };
