// The sandbox Logs Insights API's request reading: AWS's validation, group identifiers, the query parsed at StartQuery and StartQuery's limit.
import { InsightsApiError, readDescribeQueries, readQueryId, readStartQuery } from '../../../../server/sandbox/insights-api';
import { runQuery } from '../../../../server/sandbox/insights';
import { ALL_TIME, FLOW_EVENTS } from './flow-fixture';

const PLACE = { accountId: '210987654321', region: 'us-east-1' };
const VALID = { logGroupName: 'flow-logs', startTime: 1718006400, endTime: 1718013600, queryString: 'stats count(*) by srcAddr' };

/** The error a read throws, as code and message. */
function failure(read: () => unknown): { code: string; message: string; fields?: Record<string, unknown> } | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    if (!(err instanceof InsightsApiError)) throw err;
    return { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) };
  }
}

describe('sandbox insights API: StartQuery input', () => {
  it('a valid request: its group, times, text and the parsed query', () => {
    const request = readStartQuery(VALID, PLACE);

    expect(request).toMatchObject({ logGroupNames: ['flow-logs'], startTime: 1718006400, endTime: 1718013600, queryString: VALID.queryString, limit: undefined });
    expect(request.query.commands.map((c) => c.kind)).toEqual(['stats']);
  });

  it('missing startTime or endTime: InvalidParameterException naming the member, as AWS words it', () => {
    expect(failure(() => readStartQuery({ ...VALID, startTime: undefined }, PLACE))).toEqual({
      code: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'startTime' failed to satisfy constraint: Member must not be null",
    });
    expect(failure(() => readStartQuery({ ...VALID, endTime: null }, PLACE))?.message).toContain("at 'endTime'");
  });

  it('endTime before startTime: InvalidParameterException saying both are seconds; equal times are one second and allowed', () => {
    expect(failure(() => readStartQuery({ ...VALID, startTime: 20, endTime: 10 }, PLACE))).toEqual({ code: 'InvalidParameterException', message: 'endTime (10) is before startTime (20). Both are epoch seconds.' });
    expect(readStartQuery({ ...VALID, startTime: 20, endTime: 20 }, PLACE).endTime).toBe(20);
  });

  it('limit: 1 to 10,000; outside is InvalidParameterException; a string is a SerializationException', () => {
    expect(readStartQuery({ ...VALID, limit: 10_000 }, PLACE).limit).toBe(10_000);
    expect(failure(() => readStartQuery({ ...VALID, limit: 0 }, PLACE))?.message).toContain("Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    expect(failure(() => readStartQuery({ ...VALID, limit: 10_001 }, PLACE))?.code).toBe('InvalidParameterException');
    expect(failure(() => readStartQuery({ ...VALID, limit: '5' }, PLACE))?.code).toBe('SerializationException');
  });

  it('log groups: exactly one of the three members; names checked against the pattern; at most 50; duplicates once', () => {
    const { logGroupName: _name, ...noGroup } = VALID;

    expect(failure(() => readStartQuery(noGroup, PLACE))?.message).toContain('Exactly one of logGroupName, logGroupNames and logGroupIdentifiers');
    expect(failure(() => readStartQuery({ ...VALID, logGroupNames: ['b'] }, PLACE))?.code).toBe('InvalidParameterException');
    expect(failure(() => readStartQuery({ ...noGroup, logGroupNames: [] }, PLACE))?.code).toBe('InvalidParameterException');
    expect(failure(() => readStartQuery({ ...VALID, logGroupName: 'bad group!' }, PLACE))?.message).toContain("Value 'bad group!' at 'logGroupName'");
    expect(failure(() => readStartQuery({ ...noGroup, logGroupNames: Array.from({ length: 51 }, (_, i) => `g${i}`) }, PLACE))?.message).toContain('at most 50');
    expect(readStartQuery({ ...noGroup, logGroupNames: ['a', 'b', 'a'] }, PLACE).logGroupNames).toEqual(['a', 'b']);
  });

  it('logGroupIdentifiers: names and ARNs of the account (with or without :*) become names; another account or Region is not found', () => {
    const { logGroupName: _name, ...noGroup } = VALID;
    const arn = (account: string, region = 'us-east-1') => `arn:aws:logs:${region}:${account}:log-group:/verilab/flow`;

    expect(readStartQuery({ ...noGroup, logGroupIdentifiers: ['plain', arn(PLACE.accountId), `${arn(PLACE.accountId)}:*`] }, PLACE).logGroupNames).toEqual(['plain', '/verilab/flow']);
    expect(failure(() => readStartQuery({ ...noGroup, logGroupIdentifiers: [arn('310987654321')] }, PLACE))?.code).toBe('ResourceNotFoundException');
    expect(failure(() => readStartQuery({ ...noGroup, logGroupIdentifiers: [arn(PLACE.accountId, 'eu-west-1')] }, PLACE))?.code).toBe('ResourceNotFoundException');
  });

  it('a query that does not parse: MalformedQueryException at StartQuery with AWS\'s queryCompileError (offsets and message)', () => {
    const error = failure(() => readStartQuery({ ...VALID, queryString: 'stats sum(bytes) by\n| limit 5' }, PLACE));

    expect(error).toEqual({
      code: 'MalformedQueryException',
      message: expect.stringMatching(/at line 2 and position 1$/),
      fields: { queryCompileError: { location: { startCharOffset: 20, endCharOffset: 21 }, message: error?.message } },
    });
  });

  it('queryLanguage: CWLI is fine; SQL and PPL are InvalidParameterException; anything else is not in the enum', () => {
    expect(readStartQuery({ ...VALID, queryLanguage: 'CWLI' }, PLACE).queryString).toBe(VALID.queryString);
    expect(failure(() => readStartQuery({ ...VALID, queryLanguage: 'SQL' }, PLACE))?.message).toContain('not SQL');
    expect(failure(() => readStartQuery({ ...VALID, queryLanguage: 'KQL' }, PLACE))?.message).toContain('enum value set');
  });

  it('not a JSON object: SerializationException', () => {
    expect(failure(() => readStartQuery([VALID], PLACE))?.code).toBe('SerializationException');
  });
});

describe('sandbox insights API: StartQuery limit', () => {
  it('caps the rows of a query that sets no limit', () => {
    const { query } = readStartQuery({ ...VALID, queryString: 'fields @message', limit: 4 }, PLACE);

    expect(runQuery(query, FLOW_EVENTS, ALL_TIME).results).toHaveLength(4);
  });

  it('a limit in the query text wins over StartQuery\'s', () => {
    const { query } = readStartQuery({ ...VALID, queryString: 'fields @message | limit 6', limit: 2 }, PLACE);

    expect(runQuery(query, FLOW_EVENTS, ALL_TIME).results).toHaveLength(6);
  });
});

describe('sandbox insights API: the other requests', () => {
  it('GetQueryResults and StopQuery: queryId is required', () => {
    expect(readQueryId({ queryId: 'abc' })).toBe('abc');
    expect(failure(() => readQueryId({}))?.message).toContain("at 'queryId'");
  });

  it('DescribeQueries: maxResults defaults to 1000 and stays within 1 to 1000; status is one of AWS\'s', () => {
    expect(readDescribeQueries({})).toEqual({ maxResults: 1000, logGroupName: undefined, status: undefined, nextToken: undefined, queryLanguage: undefined });
    expect(readDescribeQueries({ logGroupName: 'g', status: 'Complete', maxResults: 5 })).toMatchObject({ logGroupName: 'g', status: 'Complete', maxResults: 5 });
    expect(failure(() => readDescribeQueries({ maxResults: 1001 }))?.code).toBe('InvalidParameterException');
    expect(failure(() => readDescribeQueries({ status: 'Done' }))?.message).toContain('[Scheduled, Running, Complete, Failed, Cancelled, Timeout, Unknown]');
  });
});
