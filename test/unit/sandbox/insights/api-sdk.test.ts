// withSandboxInsights: an SDK logs client's four Insights commands are answered by the service, as the SDK's own outputs and exceptions; other commands go on.
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeQueriesCommand, MalformedQueryException, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InsightsApiError, withSandboxInsights, type SandboxInsights } from '../../../../server/sandbox/insights-api';

interface Call {
  action: string;
  place: { accountId: string; region: string };
  input: unknown;
}

/** A stand-in service that records its calls and answers with `answer`. */
function fakeInsights(answer: (call: Call) => object): { insights: SandboxInsights; calls: Call[] } {
  const calls: Call[] = [];
  const insights = {
    call: async (action: string, place: Call['place'], input: unknown) => {
      calls.push({ action, place, input });
      return answer({ action, place, input });
    },
  } as unknown as SandboxInsights;
  return { insights, calls };
}

/** A client whose HTTP layer fails loudly: anything that reaches it was not answered by the middleware. */
function client(): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    requestHandler: { handle: async () => Promise.reject(new Error('reached the network')) },
  });
}

describe('withSandboxInsights', () => {
  it("StartQuery: answered by the service in the given account and the client's Region, with $metadata", async () => {
    const { insights, calls } = fakeInsights(() => ({ queryId: 'q-1' }));
    const logs = withSandboxInsights(client(), insights, '210987654321');

    const out = await logs.send(new StartQueryCommand({ logGroupName: 'g', startTime: 1, endTime: 2, queryString: 'fields @message' }));

    expect(out).toEqual({ queryId: 'q-1', $metadata: expect.objectContaining({ httpStatusCode: 200 }) });
    expect(calls).toEqual([{ action: 'StartQuery', place: { accountId: '210987654321', region: 'eu-west-1' }, input: { logGroupName: 'g', startTime: 1, endTime: 2, queryString: 'fields @message' } }]);
  });

  it('an API error: the SDK\'s own exception class, with its status and queryCompileError', async () => {
    const compileError = { location: { startCharOffset: 3, endCharOffset: 4 }, message: 'Unexpected "|" at line 1 and position 4' };
    const { insights } = fakeInsights(() => {
      throw new InsightsApiError('MalformedQueryException', compileError.message, 400, { queryCompileError: compileError });
    });
    const logs = withSandboxInsights(client(), insights, '210987654321');

    const err = await logs.send(new StartQueryCommand({ logGroupName: 'g', startTime: 1, endTime: 2, queryString: 'x |' })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(MalformedQueryException);
    expect(err).toMatchObject({ name: 'MalformedQueryException', $metadata: { httpStatusCode: 400 }, queryCompileError: compileError });
  });

  it('an error code without an SDK class: the service exception, with that name, as a client fault', async () => {
    const { insights } = fakeInsights(() => {
      throw new InsightsApiError('SerializationException', 'not JSON');
    });

    const err = await withSandboxInsights(client(), insights, '1').send(new DescribeQueriesCommand({})).catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'SerializationException', $fault: 'client', message: 'not JSON' });
  });

  it('other commands are not touched: they reach the HTTP layer', async () => {
    const { insights, calls } = fakeInsights(() => ({}));
    const logs = withSandboxInsights(client(), insights, '1');

    await expect(logs.send(new DescribeLogGroupsCommand({}))).rejects.toThrow('reached the network');
    expect(calls).toEqual([]);
  });

  it('added twice: one middleware, the last one', async () => {
    const first = fakeInsights(() => ({ queries: [] }));
    const second = fakeInsights(() => ({ queries: [] }));
    const logs = withSandboxInsights(withSandboxInsights(client(), first.insights, '1'), second.insights, '2');

    await logs.send(new DescribeQueriesCommand({}));

    expect(first.calls).toEqual([]);
    expect(second.calls.map((c) => c.place.accountId)).toEqual(['2']);
  });
});
