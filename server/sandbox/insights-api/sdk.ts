// An SDK middleware that answers a sandbox account's Logs Insights calls from SandboxInsights, so Verilab's own reads and writes meet the same queries the learner's do.
import {
  CloudWatchLogsServiceException,
  InvalidParameterException,
  LimitExceededException,
  MalformedQueryException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import type { InitializeHandler, InitializeHandlerArguments, InitializeHandlerOutput, MetadataBearer } from '@smithy/types';
import { InsightsApiError } from './errors';
import { INSIGHTS_ACTIONS, type InsightsAction, type SandboxInsights } from './service';

const ACTION_OF_COMMAND = new Map<string, InsightsAction>(INSIGHTS_ACTIONS.map((a) => [`${a}Command`, a]));

/** The SDK's own exception for an error, so callers that test `name` or `instanceof` see what AWS would give them. */
function sdkError(err: InsightsApiError): Error {
  const $metadata = { httpStatusCode: err.status };
  const options = { message: err.message, $metadata };
  switch (err.code) {
    case 'InvalidParameterException':
      return new InvalidParameterException(options);
    case 'ResourceNotFoundException':
      return new ResourceNotFoundException(options);
    case 'LimitExceededException':
      return new LimitExceededException(options);
    case 'ServiceUnavailableException':
      return new ServiceUnavailableException(options);
    case 'MalformedQueryException':
      return new MalformedQueryException({ ...options, queryCompileError: err.fields?.queryCompileError as MalformedQueryException['queryCompileError'] });
    default:
      return new CloudWatchLogsServiceException({ ...options, name: err.code, $fault: err.status >= 500 ? 'server' : 'client' });
  }
}

/**
 * Answers StartQuery, GetQueryResults, StopQuery and DescribeQueries on `client` from `insights`, in `accountId` and
 * the client's Region; every other call goes on as before. Use it on any logs client that acts in a sandbox account
 * (Verilab's verifier clients, the lab's solutions, the self-test): moto's own queries have no stats, and a query
 * started there would not be the one the learner's CLI and the checks see.
 */
export function withSandboxInsights<T extends CloudWatchLogsClient>(client: T, insights: SandboxInsights, accountId: string): T {
  client.middlewareStack.add(
    (next: InitializeHandler<object, MetadataBearer>, context) =>
      async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<MetadataBearer>> => {
        const action = ACTION_OF_COMMAND.get(context.commandName ?? '');
        if (!action) return next(args);
        const region = await client.config.region();
        try {
          const output = await insights.call(action, { accountId, region }, args.input);
          return { output: { ...output, $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } }, response: undefined };
        } catch (err) {
          throw err instanceof InsightsApiError ? sdkError(err) : err;
        }
      },
    // Before serialisation and retries: the call never becomes an HTTP request. Adding it twice replaces it.
    { step: 'initialize', name: 'sandboxInsights', override: true },
  );
  return client;
}
