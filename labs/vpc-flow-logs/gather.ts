// What the VPC Flow Logs lab asks the gatherer to read: ICMP flow records, and the roles the flow-logs service may assume.
import type { GatherDeclaration } from '../../server/labs/check-types';
import { FLOW_LOGS_SERVICE, ICMP } from './lab-model';

export const gather: GatherDeclaration = {
  // The checks judge pings: in a busy VPC a day of all records runs far past the gatherer's record limit.
  flowRecords: { where: { protocol: ICMP } },
  roleServices: [FLOW_LOGS_SERVICE],
};
