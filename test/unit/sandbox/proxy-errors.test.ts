// Unit tests for the sandbox proxy's Authorization parsing and its AWS wire-format error bodies.
import { errorBody, errors, protocolFor } from '../../../server/sandbox/proxy-errors';
import { parseAuthorization } from '../../../server/sandbox/proxy';

const SIG = 'a'.repeat(64);

describe('parseAuthorization', () => {
  it('botocore header: key, scope and signed headers come out lowercased and split', () => {
    expect(parseAuthorization(`AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250101/us-east-1/sts/aws4_request, SignedHeaders=content-type;Host;x-amz-date, Signature=${SIG}`)).toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      date: '20250101',
      region: 'us-east-1',
      service: 'sts',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signature: SIG,
    });
  });

  it.each([
    ['another algorithm', `AWS4-ECDSA-P256-SHA256 Credential=AKIA/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${SIG}`],
    ['no Signature', 'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/sts/aws4_request, SignedHeaders=host'],
    ['short scope', `AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1, SignedHeaders=host, Signature=${SIG}`],
    ['wrong terminator', `AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/sts/aws3_request, SignedHeaders=host, Signature=${SIG}`],
    ['signature not hex', 'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=zz'],
  ])('%s: a message, not a parse', (_name, header) => {
    expect(typeof parseAuthorization(header)).toBe('string');
  });
});

describe('errorBody', () => {
  it('ec2: Response/Errors/Error with RequestID, message XML-escaped', () => {
    const { body, contentType } = errorBody('ec2', { status: 403, code: 'UnauthorizedOperation', message: 'a <b> & "c"' }, 'rid');
    expect(contentType).toMatch(/^text\/xml/);
    expect(body).toContain('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>a &lt;b&gt; &amp; &quot;c&quot;</Message></Error></Errors><RequestID>rid</RequestID></Response>');
  });

  it('query: ErrorResponse with Type Sender below 500 and Receiver from 500', () => {
    expect(errorBody('query', errors.unknownKey('query'), 'r').body).toBe(
      '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    );
    expect(errorBody('query', errors.unavailable('query'), 'r').body).toContain('<Type>Receiver</Type>');
  });

  it('json: __type and message in application/x-amz-json-1.1', () => {
    const { body, contentType } = errorBody('json', errors.throttled('json'), 'r');
    expect(contentType).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(body)).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it('throttling: EC2 gets RequestLimitExceeded with 503, which is what botocore\'s EC2 retry rule matches', () => {
    expect(errors.throttled('ec2')).toMatchObject({ status: 503, code: 'RequestLimitExceeded' });
    expect(errors.throttled('query')).toMatchObject({ status: 400, code: 'Throttling' });
  });
});

describe('protocolFor', () => {
  it('by service when known, else by the request\'s look', () => {
    expect(protocolFor('ec2', {})).toBe('ec2');
    expect(protocolFor('logs', {})).toBe('json');
    expect(protocolFor('sts', {})).toBe('query');
    expect(protocolFor(undefined, { 'x-amz-target': 'AmazonSQS.ListQueues' })).toBe('json');
    expect(protocolFor('s3', {})).toBe('query');
  });
});
