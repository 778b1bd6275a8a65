// DescribeFlowLogs through the sandbox endpoint says FAILED / "Access error" for a flow log whose role cannot deliver, as AWS does.
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { LAB_ROLE_NAME } from '../../../labs/vpc-flow-logs/lab-model';
import { motoLabClients, solve } from '../../../labs/vpc-flow-logs/solve';
import { makeUser } from '../../helpers/app';
import { motoForThisFile } from '../../helpers/moto';
import { awsCli, createSandboxContext, type SandboxTestContext } from '../../helpers/sandbox';

const moto = motoForThisFile();
let ctx: SandboxTestContext;
beforeEach(async () => {
  ctx = await createSandboxContext(moto());
});
afterEach(() => ctx.close());

async function describeFlowLogs(key: Parameters<typeof awsCli>[0]) {
  const out = await awsCli(key, ['ec2', 'describe-flow-logs', '--output', 'json']);
  expect(out.stderr).toBe('');
  return (JSON.parse(out.stdout) as { FlowLogs: { FlowLogId: string; DeliverLogsStatus?: string; DeliverLogsErrorMessage?: string }[] }).FlowLogs;
}

it('SUCCESS while the role works; FAILED with "Access error" once it no longer trusts VPC Flow Logs', async () => {
  const user = await makeUser(ctx.store);
  const key = await ctx.sandbox.credentials(user.id);
  const c = motoLabClients(moto().url, key.accountId, key.region);
  const s = await solve(c, ['vpcs', 'instances', 'flow-logs', 'iam-role']);
  expect(await describeFlowLogs(key)).toEqual([expect.objectContaining({ FlowLogId: s.flowLogId, DeliverLogsStatus: 'SUCCESS' })]);
  expect((await describeFlowLogs(key))[0]!.DeliverLogsErrorMessage).toBeUndefined();

  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyDocument: JSON.stringify(trust) }));
  expect(await describeFlowLogs(key)).toEqual([expect.objectContaining({ FlowLogId: s.flowLogId, DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: 'Access error' })]);
});
