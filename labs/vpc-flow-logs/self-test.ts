// The lab's self-test: its solutions, and the ways learners get each step wrong, each with what the check must then say.
import { CreateLogGroupCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateFlowLogsCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteFlowLogsCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  DetachInternetGatewayCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { BrokenVariant } from '../../server/labs/self-test';
import { simulatePing } from '../../server/sandbox/traffic';
import type { AwsClients } from '../../server/verify/aws-session';
import { LAB_LOG_GROUP, LAB_ROLE_NAME } from './lab-model';
import { solver, type LabState } from './solve';

const solveStep = (c: AwsClients, step: string, state: LabState) => solver.solveStep(c, step, state, { now: new Date() });

/** How learners get each step wrong, and what its check must then tell them; `verilab labs test` runs each in a fresh account. */
export const variants: BrokenVariant<LabState>[] = [
  {
    name: 'VPC 2 made with the wrong CIDR (10.3.0.0/16)',
    step: 'vpcs',
    async breakStep(c, s) {
      await solveStep(c, 'vpcs', s);
      const b = s.b!;
      // The learner tears VPC 2 down and makes it again, with a typo in the CIDR.
      const table = (await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [b.routeTableId] }))).RouteTables?.[0];
      for (const a of table?.Associations ?? []) if (a.RouteTableAssociationId && !a.Main) await c.ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
      await c.ec2.send(new DeleteRouteTableCommand({ RouteTableId: b.routeTableId }));
      await c.ec2.send(new DeleteSubnetCommand({ SubnetId: b.subnetId }));
      await c.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: b.internetGatewayId, VpcId: b.vpcId }));
      await c.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: b.internetGatewayId }));
      await c.ec2.send(new DeleteVpcCommand({ VpcId: b.vpcId }));
      const vpc = await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }));
      await c.ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.3.0.0/24' }));
    },
    hint: /10\.2\.0\.0\/16/,
  },
  {
    name: 'no route to the internet gateway in VPC 1',
    step: 'vpcs',
    async breakStep(c, s) {
      await solveStep(c, 'vpcs', s);
      await c.ec2.send(new DeleteRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '0.0.0.0/0' }));
    },
    hint: /0\.0\.0\.0\/0/,
  },
  {
    name: "ICMP not allowed into instance 2's security group",
    step: 'instances',
    async breakStep(c, s) {
      await solveStep(c, 'instances', s);
      await c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: s.b!.securityGroupId, IpPermissions: [{ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    },
    hint: /no inbound rule for ICMP/,
  },
  {
    name: 'the log group named with different capitals',
    step: 'flow-logs',
    async breakStep(c) {
      await c.logs.send(new CreateLogGroupCommand({ logGroupName: 'VPC-Flow-Logs-Lab' }));
    },
    hint: /case-sensitive/,
  },
  {
    name: 'the flow log on VPC 2 instead of VPC 1',
    step: 'iam-role',
    async breakStep(c, s) {
      await solveStep(c, 'iam-role', s);
      await c.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [s.flowLogId!] }));
      await c.ec2.send(
        new CreateFlowLogsCommand({ ResourceType: 'VPC', ResourceIds: [s.b!.vpcId], TrafficType: 'ALL', MaxAggregationInterval: 60, LogDestinationType: 'cloud-watch-logs', LogGroupName: LAB_LOG_GROUP, DeliverLogsPermissionArn: s.roleArn }),
      );
    },
    hint: /Create a flow log on VPC 1/,
  },
  {
    name: 'the role trusted by ec2.amazonaws.com instead of VPC Flow Logs',
    step: 'iam-role',
    async breakStep(c, s) {
      await solveStep(c, 'iam-role', s);
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
      await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyDocument: JSON.stringify(trust) }));
    },
    hint: /ec2\.amazonaws\.com/,
  },
  {
    name: "only the public ping, not the private one that fails",
    step: 'ping',
    async breakStep(c, s) {
      await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.publicIp!, count: 4 });
    },
    hint: /No ICMP record from 10\.1\.\d+\.\d+ to 10\.2\.\d+\.\d+/,
  },
  {
    name: 'the peering connection requested but not accepted',
    step: 'peering',
    async breakStep(c, s) {
      await c.ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: s.a!.vpcId, PeerVpcId: s.b!.vpcId }));
    },
    hint: /waiting for acceptance/,
  },
  {
    name: "a route on VPC 1's side only",
    step: 'routes',
    async breakStep(c, s) {
      await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: s.peeringId }));
      await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.privateIp!, count: 4 });
    },
    hint: /no route back to 10\.1\.0\.0\/16/,
  },
  {
    name: 'a query that lists records without adding up bytes',
    step: 'insights',
    async breakStep(c) {
      const end = Math.floor(Date.now() / 1000);
      await c.logs.send(new StartQueryCommand({ logGroupName: LAB_LOG_GROUP, startTime: end - 3600, endTime: end, queryString: 'fields @timestamp, srcAddr, dstAddr, bytes | sort bytes desc | limit 10' }));
    },
    hint: /sum\(bytes\)/,
  },
];
