// Performs each step of the VPC Flow Logs lab in an account, as a learner following the CLI tab would: used by tests and the self-test.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AcceptVpcPeeringConnectionCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateFlowLogsCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import path from 'node:path';
import { loadLabs } from '../../server/labs/loader';
import { LABS_DIR } from '../../server/paths';
import { inMotoAccount } from '../../server/sandbox/moto-process';
import { FLOW_LOGS_SERVICE, LAB_LOG_GROUP, LAB_QUERY, LAB_ROLE_NAME } from './lab-model';

export interface LabClients {
  accountId: string;
  ec2: EC2Client;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
}

interface Side {
  vpcId: string;
  subnetId: string;
  routeTableId: string;
  internetGatewayId: string;
  securityGroupId?: string;
  instanceId?: string;
  eniId?: string;
  privateIp?: string;
  publicIp?: string;
}

/** What the steps made so far; each step adds to it. */
export interface LabState {
  a?: Side;
  b?: Side;
  roleArn?: string;
  flowLogId?: string;
  peeringId?: string;
}

export type SolveStepId = 'vpcs' | 'instances' | 'flow-logs' | 'iam-role' | 'ping' | 'peering' | 'routes' | 'insights';

/** One flow record in the default version 2 format; `start` in Unix seconds. */
export function flowRecordLine(r: { accountId: string; eni: string; src: string; dst: string; packets: number; action: 'ACCEPT' | 'REJECT'; start: number }): string {
  return `2 ${r.accountId} ${r.eni} ${r.src} ${r.dst} 0 0 1 ${r.packets} ${r.packets * 84} ${r.start} ${r.start + 60} ${r.action} OK`;
}

/** Writes records to the stream of A's interface, as VPC Flow Logs would (moto's flow logs record no traffic). */
export async function writeFlowRecords(c: LabClients, eni: string, lines: { line: string; start: number }[]): Promise<void> {
  const stream = `${eni}-all`;
  await c.logs.send(new CreateLogStreamCommand({ logGroupName: LAB_LOG_GROUP, logStreamName: stream })).catch((err: { name?: string }) => {
    if (err.name !== 'ResourceAlreadyExistsException') throw err;
  });
  await c.logs.send(new PutLogEventsCommand({ logGroupName: LAB_LOG_GROUP, logStreamName: stream, logEvents: lines.map((l) => ({ message: l.line, timestamp: l.start * 1000 })) }));
}

async function makeSide(c: LabClients, n: 1 | 2): Promise<Side> {
  const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: `10.${n}.0.0/16` }))).Vpc!.VpcId!;
  const subnetId = (await c.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${n}.0.0/24` }))).Subnet!.SubnetId!;
  await c.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));
  const internetGatewayId = (await c.ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await c.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: internetGatewayId, VpcId: vpcId }));
  const routeTableId = (await c.ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
  await c.ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: internetGatewayId }));
  await c.ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
  return { vpcId, subnetId, routeTableId, internetGatewayId };
}

async function launch(c: LabClients, side: Side, n: 1 | 2, imageId: string): Promise<void> {
  const group = await c.ec2.send(new CreateSecurityGroupCommand({ GroupName: `lab-instance-${n}`, Description: `Lab instance ${n}`, VpcId: side.vpcId }));
  side.securityGroupId = group.GroupId!;
  const permissions =
    n === 2
      ? [{ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]
      : [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
  await c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: side.securityGroupId, IpPermissions: permissions }));
  const run = await c.ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: side.subnetId, Groups: [side.securityGroupId], AssociatePublicIpAddress: true }],
    }),
  );
  const instance = run.Instances![0];
  side.instanceId = instance.InstanceId!;
  side.eniId = instance.NetworkInterfaces?.[0]?.NetworkInterfaceId;
  side.privateIp = instance.PrivateIpAddress;
  side.publicIp = instance.PublicIpAddress ?? instance.NetworkInterfaces?.[0]?.Association?.PublicIp;
}

const SOLVERS: Record<SolveStepId, (c: LabClients, s: LabState, now: Date) => Promise<void>> = {
  async vpcs(c, s) {
    s.a = await makeSide(c, 1);
    s.b = await makeSide(c, 2);
  },
  async instances(c, s) {
    const image = (await c.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId ?? 'ami-12c6146b';
    await launch(c, s.a!, 1, image);
    await launch(c, s.b!, 2, image);
  },
  async 'flow-logs'(c) {
    await c.logs.send(new CreateLogGroupCommand({ logGroupName: LAB_LOG_GROUP }));
  },
  async 'iam-role'(c, s) {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: FLOW_LOGS_SERVICE }, Action: 'sts:AssumeRole' }] };
    const permissions = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'], Resource: '*' }],
    };
    s.roleArn = (await c.iam.send(new CreateRoleCommand({ RoleName: LAB_ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
    await c.iam.send(new PutRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyName: 'VPCFlowLogsDeliveryPolicy', PolicyDocument: JSON.stringify(permissions) }));
    const created = await c.ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'VPC',
        ResourceIds: [s.a!.vpcId],
        TrafficType: 'ALL',
        MaxAggregationInterval: 60,
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: LAB_LOG_GROUP,
        DeliverLogsPermissionArn: s.roleArn,
      }),
    );
    s.flowLogId = created.FlowLogIds?.[0];
  },
  async ping(c, s, now) {
    // The failed ping (no reply) to B's private address, then the public ping and its replies.
    const start = Math.floor(now.getTime() / 1000) - 600;
    const a = s.a!;
    const b = s.b!;
    await writeFlowRecords(c, a.eniId!, [
      { line: flowRecordLine({ accountId: c.accountId, eni: a.eniId!, src: a.privateIp!, dst: b.privateIp!, packets: 5, action: 'ACCEPT', start }), start },
      { line: flowRecordLine({ accountId: c.accountId, eni: a.eniId!, src: a.privateIp!, dst: b.publicIp!, packets: 5, action: 'ACCEPT', start: start + 60 }), start: start + 60 },
      { line: flowRecordLine({ accountId: c.accountId, eni: a.eniId!, src: b.publicIp!, dst: a.privateIp!, packets: 5, action: 'ACCEPT', start: start + 60 }), start: start + 60 },
    ]);
  },
  async peering(c, s) {
    s.peeringId = (await c.ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: s.a!.vpcId, PeerVpcId: s.b!.vpcId }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await c.ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: s.peeringId }));
  },
  async routes(c, s, now) {
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.b!.routeTableId, DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    const start = Math.floor(now.getTime() / 1000) - 300;
    const a = s.a!;
    const b = s.b!;
    await writeFlowRecords(c, a.eniId!, [
      { line: flowRecordLine({ accountId: c.accountId, eni: a.eniId!, src: a.privateIp!, dst: b.privateIp!, packets: 4, action: 'ACCEPT', start }), start },
      { line: flowRecordLine({ accountId: c.accountId, eni: a.eniId!, src: b.privateIp!, dst: a.privateIp!, packets: 4, action: 'ACCEPT', start }), start },
    ]);
  },
  async insights(c, _s, now) {
    const end = Math.floor(now.getTime() / 1000);
    await c.logs.send(new StartQueryCommand({ logGroupName: LAB_LOG_GROUP, startTime: end - 3600, endTime: end, queryString: LAB_QUERY }));
  },
};

/** The lab's steps in the order lab.md gives them (the one place the order lives), each with its solution here. */
export function labStepIds(): SolveStepId[] {
  const lab = loadLabs(path.join(LABS_DIR, 'vpc-flow-logs')).labs[0];
  const ids = lab.steps.map((s) => s.id);
  const unsolved = ids.filter((id) => !(id in SOLVERS));
  if (unsolved.length > 0) throw new Error(`solve.ts has no solution for step ${unsolved.join(', ')}`);
  return ids as SolveStepId[];
}

/** Performs the given steps in order (each needs the ones before it), returning what was made. */
export async function solve(c: LabClients, steps: readonly SolveStepId[], options: { now?: Date; state?: LabState } = {}): Promise<LabState> {
  const state = options.state ?? {};
  const now = options.now ?? new Date();
  for (const step of steps) await SOLVERS[step](c, state, now);
  return state;
}

export const VERIFIER_STACK = 'verilab-verifier';

/** Deploys this lab's verifier role template, as the Connect page tells the learner to, and returns the role ARN. */
export async function deployVerifierRole(cfn: CloudFormationClient, params: { externalId: string; trustedAccountId: string }): Promise<string> {
  await cfn.send(
    new CreateStackCommand({
      StackName: VERIFIER_STACK,
      TemplateBody: fs.readFileSync(path.join(LABS_DIR, 'vpc-flow-logs', 'verifier-role.yaml'), 'utf8'),
      Parameters: [
        { ParameterKey: 'TrustedAccountId', ParameterValue: params.trustedAccountId },
        { ParameterKey: 'ExternalId', ParameterValue: params.externalId },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: VERIFIER_STACK }))).Stacks?.[0];
  const arn = stack?.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue;
  if (stack?.StackStatus !== 'CREATE_COMPLETE' || !arn) throw new Error(`verifier stack did not complete: ${stack?.StackStatus}`);
  return arn;
}

/** Clients acting directly in one account of a moto server (which does not check keys). */
export function motoLabClients(endpoint: string, accountId: string, region: string): LabClients & { cloudformation: CloudFormationClient } {
  const config = { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    accountId,
    ec2: inMotoAccount(new EC2Client(config), accountId),
    iam: inMotoAccount(new IAMClient(config), accountId),
    logs: inMotoAccount(new CloudWatchLogsClient(config), accountId),
    cloudformation: inMotoAccount(new CloudFormationClient(config), accountId),
  };
}
