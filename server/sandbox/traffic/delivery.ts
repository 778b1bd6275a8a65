// Whether a flow log could deliver on AWS: its role must exist, trust VPC Flow Logs and be allowed to write the group's streams.
import { deliveryGroup } from '../../labs/kit/flow-logs';
import { logsPermissions, roleNameOf, trustsService } from '../../labs/kit/iam';
import type { FlowLog, IamRole } from '../../verify/snapshot';

export const FLOW_LOGS_SERVICE = 'vpc-flow-logs.amazonaws.com';
/** What AWS puts in DeliverLogsErrorMessage when the role cannot be used. */
export const ACCESS_ERROR = 'Access error';

/** The actions VPC Flow Logs uses to deliver into an existing group. */
const DELIVERY_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

export interface DeliveryVerdict {
  /** The log group the flow log writes to, when it writes to CloudWatch Logs. */
  logGroupName?: string;
  /** undefined: it delivers. Otherwise why nothing arrives, in the learner's words. */
  problem?: string;
  /** True when AWS would report DeliverLogsStatus FAILED with "Access error" for it. */
  accessError: boolean;
}

/**
 * Judges a flow log's delivery as AWS would: `roles` are the account's roles as gathered (with their policies),
 * `groupExists` whether its log group exists (a role allowed logs:CreateLogGroup makes it on first delivery).
 */
export function judgeDelivery(flowLog: FlowLog, roles: readonly IamRole[], ref: { region: string; accountId: string }, groupExists: boolean): DeliveryVerdict {
  const logGroupName = deliveryGroup(flowLog);
  if (!logGroupName) {
    return { problem: `${flowLog.flowLogId} delivers to ${flowLog.logDestinationType}; the Verilab sandbox writes flow records to CloudWatch Logs only`, accessError: false };
  }
  const arn = flowLog.deliverLogsPermissionArn;
  if (!arn) return { logGroupName, problem: `${flowLog.flowLogId} has no delivery role, so it cannot write to ${logGroupName}`, accessError: true };
  const role = roles.find((r) => r.arn === arn) ?? roles.find((r) => r.roleName === roleNameOf(arn));
  if (!role) return { logGroupName, problem: `${flowLog.flowLogId}'s delivery role ${roleNameOf(arn)} does not exist`, accessError: true };
  if (role.trustPolicy === null || !trustsService(role.trustPolicy, FLOW_LOGS_SERVICE)) {
    return { logGroupName, problem: `role ${role.roleName} does not trust ${FLOW_LOGS_SERVICE}, so VPC Flow Logs cannot use it`, accessError: true };
  }
  const group = { ...ref, logGroupName };
  const actions = groupExists ? [...DELIVERY_ACTIONS] : ['logs:CreateLogGroup', ...DELIVERY_ACTIONS];
  const allowed = logsPermissions(role, actions, group);
  if (allowed.ok !== true) {
    const why = allowed.ok === false ? allowed.hint : allowed.detail;
    return { logGroupName, problem: groupExists ? why : `log group ${logGroupName} does not exist and ${why}`, accessError: true };
  }
  return { logGroupName, accessError: false };
}
