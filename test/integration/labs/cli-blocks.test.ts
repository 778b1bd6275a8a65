// Proves that the lab's shell blocks, as a sandbox page shows them, run unchanged with the real AWS CLI against moto.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { DescribeLogGroupsCommand, DescribeQueriesCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { loadLabs } from '../../../server/labs/loader';
import { createMarkdown } from '../../../server/labs/markdown';
import { LABS_DIR } from '../../../server/paths';
import { learnerClients, REGION, startMoto, VERILAB_ACCOUNT, type Moto } from '../../helpers/moto';

interface ShellBlock {
  /** e.g. "steps/02-instances.md, solution block 2 (line 151)" */
  label: string;
  code: string;
}

interface StepBlocks {
  cli: ShellBlock[];
  solution: ShellBlock[];
}

const lab = loadLabs(LABS_DIR).get('vpc-flow-logs')!;
const sandboxMarkdown = createMarkdown({ mode: 'sandbox' });

/**
 * The bash blocks a sandbox learner runs in their own shell, from the Markdown source as the sandbox page renders it:
 * the other mode's blocks are already gone from the tokens. Console panels hold no shell commands; everything else
 * (the AWS CLI tab and any block in the step's body) is the CLI path, and solutions are their own path.
 */
function shellBlocks(file: string): StepBlocks {
  // Step files are named relative to the labs folder's parent ("labs/vpc-flow-logs/steps/...").
  const source = fs.readFileSync(path.join(path.dirname(LABS_DIR), file), 'utf8');
  const front = /^---\r?\n[\s\S]*?\r?\n---[ \t]*\r?\n/.exec(source)![0];
  const bodyLine = front.split('\n').length - 1;
  const tokens = sandboxMarkdown.parse(source.slice(front.length), {});
  const blocks: StepBlocks = { cli: [], solution: [] };
  const open: { type: string; info: string }[] = [];
  for (const t of tokens) {
    if (t.nesting === 1 && t.type.startsWith('container_')) open.push({ type: t.type, info: t.info.trim() });
    else if (t.nesting === -1 && t.type.startsWith('container_')) open.pop();
    else if (t.type === 'fence' && t.info.trim() === 'bash') {
      if (open.some((c) => c.type === 'container_tab_open' && /^tab\s+console$/i.test(c.info))) continue;
      const where = open.some((c) => c.type === 'container_solution_open') ? 'solution' : 'cli';
      const line = bodyLine + t.map![0] + 1;
      const n = blocks[where].length + 1;
      blocks[where].push({ label: `${file}, ${where === 'cli' ? 'CLI' : 'solution'} block ${n} (line ${line})`, code: t.content });
    }
  }
  return blocks;
}

/** Commands that need a network the sandbox shell does not have: they fail there, so they fail here too. */
const NO_NETWORK = ['curl', 'wget', 'ssh', 'scp', 'ping', 'nc'];

/**
 * The real `aws` behind a pyenv shim, if there is one: the shim costs about 0.2 s of CPU per call, and the lab makes
 * over a hundred calls. Elsewhere `aws` on PATH is used as it is.
 */
function unshimmedAws(): string | undefined {
  try {
    return execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const AWS_CLI = unshimmedAws();

interface PathResult {
  failure?: string;
  output: string;
}

/**
 * Runs blocks in ONE bash process, as in a learner's shell: variables and files carry over from block to block.
 * Each block runs with `set -e -o pipefail`; the progress file says which block was running when the shell stopped.
 */
async function runInOneShell(blocks: ShellBlock[], moto: Moto): Promise<PathResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-cli-blocks-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const command of NO_NETWORK) {
    fs.writeFileSync(path.join(bin, command), `#!/bin/sh\necho "${command}: no network in the sandbox shell" >&2\nexit 7\n`, { mode: 0o755 });
  }
  if (AWS_CLI) fs.symlinkSync(AWS_CLI, path.join(bin, 'aws'));
  const progress = path.join(dir, 'progress');
  const script = [
    'set -e -o pipefail',
    `trap 'echo "failed with exit status $?: $BASH_COMMAND" >> "${progress}"' ERR`,
    // On real AWS these sleeps wait for IAM to propagate or a query to run; moto has nothing to wait for.
    'sleep() { :; }',
    ...blocks.flatMap((block, i) => {
      const file = path.join(dir, `block-${i}.sh`);
      fs.writeFileSync(file, block.code);
      return [`echo ${JSON.stringify(`running ${block.label}`)} >> "${progress}"`, `source ${JSON.stringify(file)}`];
    }),
    `echo "all blocks ran" >> "${progress}"`,
  ].join('\n');
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME ?? dir,
    LANG: 'C.UTF-8',
    // What the sandbox shell is given: a key, the region and the endpoint, and no profile or config file.
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: moto.url,
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    // Anything that tries the internet instead of the endpoint fails at once, as in the sandbox, not after a timeout.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  };
  const output = await new Promise<string>((resolve) => {
    execFile('bash', ['-c', script], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (_err, stdout, stderr) =>
      resolve(`${stdout}\n${stderr}`.trim()),
    );
  });
  const lines = fs.readFileSync(progress, 'utf8').trim().split('\n');
  fs.rmSync(dir, { recursive: true, force: true });
  if (lines[lines.length - 1] === 'all blocks ran') return { output };
  const running = [...lines].reverse().find((l) => l.startsWith('running '))?.slice('running '.length) ?? 'before the first block';
  const why = lines.find((l) => l.startsWith('failed')) ?? 'the shell stopped';
  return { failure: `${running}: ${why}\n--- last output ---\n${output.split('\n').slice(-15).join('\n')}`, output };
}

/** The state steps 1-4 and 6-7 must leave behind, read with the SDK (the same account the CLI's test key lands in). */
async function expectLabBuilt(moto: Moto): Promise<void> {
  const c = learnerClients(moto, VERILAB_ACCOUNT);
  const vpcs = (await c.ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
  const vpc1 = vpcs.filter((v) => v.CidrBlock === '10.1.0.0/16');
  const vpc2 = vpcs.filter((v) => v.CidrBlock === '10.2.0.0/16');
  expect([vpc1.length, vpc2.length]).toEqual([1, 1]);
  const [a, b] = [vpc1[0].VpcId!, vpc2[0].VpcId!];

  // Step 1: each public subnet's own route table sends 0.0.0.0/0 to an internet gateway (moto attaches what the CLI asked).
  const subnets = (await c.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
  const subnet = (vpc: string, cidr: string) => subnets.find((s) => s.VpcId === vpc && s.CidrBlock === cidr);
  const [s1, s2] = [subnet(a, '10.1.0.0/24'), subnet(b, '10.2.0.0/24')];
  expect([s1?.MapPublicIpOnLaunch, s2?.MapPublicIpOnLaunch]).toEqual([true, true]);
  const tables = (await c.ec2.send(new DescribeRouteTablesCommand({}))).RouteTables ?? [];
  const tableOf = (subnetId: string) => tables.find((t) => t.Associations?.some((x) => x.SubnetId === subnetId));
  const [rt1, rt2] = [tableOf(s1!.SubnetId!), tableOf(s2!.SubnetId!)];
  const route = (t: RouteTable | undefined, cidr: string) => t?.Routes?.find((r) => r.DestinationCidrBlock === cidr);
  expect(route(rt1, '0.0.0.0/0')?.GatewayId).toMatch(/^igw-/);
  expect(route(rt2, '0.0.0.0/0')?.GatewayId).toMatch(/^igw-/);

  // Step 2: a running instance with a public IPv4 in each subnet; instance 2's group lets ICMP in from anywhere.
  const instances = ((await c.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const running = (subnetId: string) => instances.filter((i) => i.SubnetId === subnetId && i.State?.Name === 'running' && i.PublicIpAddress);
  expect([running(s1!.SubnetId!).length, running(s2!.SubnetId!).length]).toEqual([1, 1]);
  const groups = (await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
  const sg2 = groups.find((g) => g.GroupName === 'lab-sg-2' && g.VpcId === b);
  expect(sg2?.IpPermissions).toEqual([expect.objectContaining({ IpProtocol: 'icmp', IpRanges: [expect.objectContaining({ CidrIp: '0.0.0.0/0' })] })]);

  // Steps 3 and 4: the log group, the delivery role with its inline policy, and the flow log on VPC 1 using both.
  const groupsOut = (await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'vpc-flow-logs-lab' }))).logGroups ?? [];
  expect(groupsOut.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([['vpc-flow-logs-lab', 7]]);
  const role = (await c.iam.send(new GetRoleCommand({ RoleName: 'VPCFlowLogsDeliveryRole' }))).Role!;
  expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toContain('vpc-flow-logs.amazonaws.com');
  expect((await c.iam.send(new ListRolePoliciesCommand({ RoleName: 'VPCFlowLogsDeliveryRole' }))).PolicyNames).toEqual(['VPCFlowLogsDeliveryPolicy']);
  const flowLogs = (await c.ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
  expect(flowLogs.filter((f) => f.ResourceId === a).map((f) => [f.TrafficType, f.LogGroupName, f.DeliverLogsPermissionArn, f.MaxAggregationInterval])).toEqual([
    ['ALL', 'vpc-flow-logs-lab', role.Arn, 60],
  ]);

  // Step 6: one active peering between the two (moto ignores filters on this call, so filter here).
  const peerings = ((await c.ec2.send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections ?? []).filter(
    (p) => p.RequesterVpcInfo?.VpcId === a && p.AccepterVpcInfo?.VpcId === b && p.Status?.Code === 'active',
  );
  expect(peerings).toHaveLength(1);
  const pcx = peerings[0].VpcPeeringConnectionId;

  // Step 7: each side routes the other VPC through that peering.
  expect(route(rt1, '10.2.0.0/16')?.VpcPeeringConnectionId).toBe(pcx);
  expect(route(rt2, '10.1.0.0/16')?.VpcPeeringConnectionId).toBe(pcx);

  // Step 8: the query the check looks for was started and completed on the lab's log group.
  const queries = (await c.logs.send(new DescribeQueriesCommand({ logGroupName: 'vpc-flow-logs-lab' }))).queries ?? [];
  expect(queries.some((q) => q.status === 'Complete' && /stats sum\(bytes\).*by srcAddr, dstAddr/.test(q.queryString ?? ''))).toBe(true);
}

describe('lab CLI blocks in the sandbox', () => {
  const steps = lab.steps.map((s) => ({ id: s.id, ...shellBlocks(s.file) }));
  let motos: Moto[] = [];
  let cliPath: Promise<PathResult>;
  let solutionPath: Promise<PathResult>;

  // The two paths are independent (a moto each) and the AWS CLI spends most of its time starting Python, so they run
  // side by side to keep the file near a minute.
  beforeAll(async () => {
    motos = await Promise.all([startMoto(), startMoto()]);
    cliPath = runInOneShell(steps.flatMap((s) => s.cli), motos[0]);
    solutionPath = runInOneShell(steps.flatMap((s) => s.solution), motos[1]);
  }, 90_000);
  afterAll(async () => {
    await Promise.allSettled([cliPath, solutionPath]);
    await Promise.all(motos.map((m) => m.stop()));
  });

  it('every step has shell blocks in its AWS CLI tab and in its solution, and none needs the network', () => {
    for (const step of steps) {
      expect([step.id, step.cli.length > 0, step.solution.length > 0]).toEqual([step.id, true, true]);
      for (const block of [...step.cli, ...step.solution]) expect([block.label, /(^|\$\(|[|;&]\s*)(curl|wget|ssh|ping)\s/m.test(block.code)]).toEqual([block.label, false]);
    }
  });

  it('a failing command: the shell stops and the failure names the step file, the block and the command', async () => {
    const result = await runInOneShell(
      [
        { label: 'steps/01-x.md, CLI block 1 (line 3)', code: 'VPC_ID=$(aws ec2 describe-vpcs --query "Vpcs[0].VpcId" --output text)\n' },
        { label: 'steps/01-x.md, CLI block 2 (line 9)', code: 'curl -s https://checkip.amazonaws.com\necho never\n' },
        { label: 'steps/01-x.md, CLI block 3 (line 20)', code: 'echo "$VPC_ID"\n' },
      ],
      motos[0],
    );
    expect(result.failure).toMatch(/^steps\/01-x\.md, CLI block 2 \(line 9\): failed with exit status 7: curl -s https:\/\/checkip/);
    expect(result.output).toContain('curl: no network in the sandbox shell');
    expect(result.output).not.toContain('never');
  });

  it('the AWS CLI path: every block of steps 1-8 runs in one shell and builds the lab', async () => {
    const result = await cliPath;
    expect(result.failure).toBeUndefined();
    await expectLabBuilt(motos[0]);
  }, 240_000);

  it('the solutions: every solution of steps 1-8 runs in one shell and builds the lab', async () => {
    const result = await solutionPath;
    expect(result.failure).toBeUndefined();
    expect(result.output).toContain('pcx-');
    await expectLabBuilt(motos[1]);
  }, 240_000);
});
