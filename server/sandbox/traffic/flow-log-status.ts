// DescribeFlowLogs as AWS answers it: a flow log whose role cannot deliver shows DeliverLogsStatus FAILED with "Access error" (moto always says SUCCESS).
import type { AwsClients } from '../../verify/aws-session';
import { gatherSnapshot } from '../../verify/gather';
import type { ProxyRewrite } from '../proxy';
import { ACCESS_ERROR, FLOW_LOGS_SERVICE, judgeDelivery } from './delivery';

/** Sets FAILED and the error message on the items of a DescribeFlowLogs answer whose flow log id is in `failing`. */
export function markFailedDeliveries(xml: string, failing: ReadonlySet<string>): string {
  return xml.replace(/<item>([\s\S]*?)<\/item>/g, (item: string, inner: string) => {
    const id = /<flowLogId>([^<]+)<\/flowLogId>/.exec(inner)?.[1];
    if (!id || !failing.has(id)) return item;
    const marked = inner.includes('<deliverLogsStatus>')
      ? inner.replace(/<deliverLogsStatus>[^<]*<\/deliverLogsStatus>/, '<deliverLogsStatus>FAILED</deliverLogsStatus>')
      : `${inner}<deliverLogsStatus>FAILED</deliverLogsStatus>`;
    const withMessage = marked.includes('<deliverLogsErrorMessage>') ? marked : marked.replace('<deliverLogsStatus>FAILED</deliverLogsStatus>', `$&<deliverLogsErrorMessage>${ACCESS_ERROR}</deliverLogsErrorMessage>`);
    return `<item>${withMessage}</item>`;
  });
}

/** The ids of the account's flow logs that could not deliver on AWS, judged from its roles and log groups as they are now. */
export async function failingDeliveries(aws: AwsClients): Promise<Set<string>> {
  const { snapshot } = await gatherSnapshot(aws, ['flowLogs', 'iamRoles', 'logGroups'], { now: new Date(), declared: { roleServices: [FLOW_LOGS_SERVICE] } });
  if (!snapshot.flowLogs?.ok) return new Set();
  const roles = snapshot.iamRoles?.ok ? snapshot.iamRoles.value : [];
  const groups = new Set(snapshot.logGroups?.ok ? snapshot.logGroups.value.map((g) => g.logGroupName) : []);
  const failing = snapshot.flowLogs.value.filter((f) => {
    const verdict = judgeDelivery(f, roles, aws, f.logGroupName ? groups.has(f.logGroupName) : false);
    return verdict.accessError;
  });
  return new Set(failing.map((f) => f.flowLogId));
}

/** The proxy rewrite for EC2's DescribeFlowLogs in a learner's account. */
export function flowLogStatusRewrite(clientsFor: (accountId: string, region: string) => AwsClients): ProxyRewrite {
  return (call) => {
    if (call.service !== 'ec2' || call.action !== 'DescribeFlowLogs') return undefined;
    return async (body) => {
      const failing = await failingDeliveries(clientsFor(call.key.accountId, call.region));
      return failing.size === 0 ? body : Buffer.from(markFailedDeliveries(body.toString('utf8'), failing), 'utf8');
    };
  };
}
