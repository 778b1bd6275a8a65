// The proxy's intercept for Logs Insights: a learner's StartQuery, GetQueryResults, StopQuery and DescribeQueries are answered by SandboxInsights, never by moto.
import { sendAwsError } from '../proxy-errors';
import type { ProxyIntercept } from '../proxy';
import { InsightsApiError, INSIGHTS_MESSAGES, insightsErrors } from './errors';
import { INSIGHTS_ACTIONS, type InsightsAction, type SandboxInsights } from './service';

const ACTIONS = new Set<string>(INSIGHTS_ACTIONS);

export function insightsIntercept(insights: SandboxInsights): ProxyIntercept {
  return async (call) => {
    if (call.service !== 'logs' || call.action === undefined || !ACTIONS.has(call.action)) return false;
    const { res, requestId } = call;
    try {
      // An empty body is an empty request; anything else must be the JSON object the protocol sends.
      if (call.body.length > 0 && call.jsonBody === undefined) throw insightsErrors.serialization(INSIGHTS_MESSAGES.NOT_JSON);
      const output = await insights.call(call.action as InsightsAction, { accountId: call.key.accountId, region: call.region }, call.jsonBody ?? {});
      res.status(200);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.setHeader('x-amzn-requestid', requestId);
      res.end(JSON.stringify(output));
    } catch (err) {
      if (!(err instanceof InsightsApiError)) throw err;
      sendAwsError(res, call.protocol, err.toAwsError(), requestId);
    }
    return true;
  };
}
