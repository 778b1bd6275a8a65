// Logs Insights in sandbox accounts: one service, reached by the learner through the proxy and by Verilab through its SDK clients.
export { InsightsApiError, INSIGHTS_MESSAGES } from './errors';
export { insightsIntercept } from './intercept';
export { groupOfIdentifier, readDescribeQueries, readQueryId, readStartQuery, withLimit, type Place, type QueryStatus } from './requests';
export { withSandboxInsights } from './sdk';
export { DEFAULT_MAX_EVENTS, DEFAULT_RETENTION_MS, INSIGHTS_ACTIONS, SandboxInsights, type InsightsAction, type QueryInfo, type SandboxInsightsOptions } from './service';
