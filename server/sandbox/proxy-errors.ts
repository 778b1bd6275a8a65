// AWS wire-format error bodies for the sandbox proxy, in each protocol's own shape so the AWS CLI and SDKs print them as AWS would.
import type { IncomingHttpHeaders } from 'node:http';
import type { Response } from 'express';

/** ec2 has its own XML shape; iam, sts and cloudformation share the query shape; logs and ssm speak JSON 1.1. */
export type Protocol = 'ec2' | 'query' | 'json';

export const ALLOWED_SERVICES = ['cloudformation', 'ec2', 'iam', 'logs', 'ssm', 'sts'] as const;
export type AllowedService = (typeof ALLOWED_SERVICES)[number];

export interface AwsError {
  status: number;
  code: string;
  message: string;
  /** Extra members of a JSON error body, as some exceptions carry (MalformedQueryException's queryCompileError). */
  fields?: Record<string, unknown>;
}

const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EC2_AUTH_FAILURE = 'AWS was not able to validate the provided access credentials';
const UNAVAILABLE = 'The sandbox is not running right now. It restarts by itself: try again in a few seconds.';

/**
 * The protocol decides the error shape. Without a usable credential scope (no or garbled Authorization), fall back to
 * what the request looks like: JSON services send X-Amz-Target or a JSON content type, everything else reads query XML.
 */
export function protocolFor(service: string | undefined, headers: IncomingHttpHeaders): Protocol {
  if (service === 'ec2') return 'ec2';
  if (service === 'logs' || service === 'ssm') return 'json';
  if (service === 'iam' || service === 'sts' || service === 'cloudformation') return 'query';
  if (headers['x-amz-target'] || /json/i.test(headers['content-type'] ?? '')) return 'json';
  return 'query';
}

/** Each service answers authentication failures with its own code and status; these are the ones AWS sends. */
export const errors = {
  missingAuth: (p: Protocol): AwsError =>
    p === 'json'
      ? { status: 400, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }
      : { status: 403, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' },
  incompleteSignature: (p: Protocol, detail: string): AwsError =>
    p === 'json'
      ? { status: 400, code: 'IncompleteSignatureException', message: detail }
      : { status: 403, code: 'IncompleteSignature', message: detail },
  unknownKey: (p: Protocol): AwsError =>
    p === 'ec2'
      ? { status: 401, code: 'AuthFailure', message: EC2_AUTH_FAILURE }
      : p === 'json'
        ? { status: 400, code: 'UnrecognizedClientException', message: INVALID_TOKEN }
        : { status: 403, code: 'InvalidClientTokenId', message: INVALID_TOKEN },
  badSignature: (p: Protocol): AwsError =>
    p === 'ec2'
      ? { status: 401, code: 'AuthFailure', message: EC2_AUTH_FAILURE }
      : p === 'json'
        ? { status: 400, code: 'InvalidSignatureException', message: BAD_SIGNATURE }
        : { status: 403, code: 'SignatureDoesNotMatch', message: BAD_SIGNATURE },
  /** EC2 says RequestExpired; the other services reuse their signature error with AWS's "Signature expired" wording. */
  expired: (p: Protocol, detail: string): AwsError =>
    p === 'ec2'
      ? { status: 400, code: 'RequestExpired', message: 'Request has expired.' }
      : p === 'json'
        ? { status: 400, code: 'InvalidSignatureException', message: detail }
        : { status: 403, code: 'SignatureDoesNotMatch', message: detail },
  unsupportedService: (p: Protocol, service: string): AwsError => ({
    status: 400,
    code: p === 'json' ? 'UnsupportedOperationException' : 'UnsupportedOperation',
    message: `The Verilab sandbox does not offer the ${service} service. It offers: ${ALLOWED_SERVICES.join(', ')}.`,
  }),
  unknownAction: (p: Protocol, service: string, action: string | undefined): AwsError => ({
    status: 400,
    code: p === 'json' ? 'UnknownOperationException' : 'InvalidAction',
    message: `The ${service} service of the Verilab sandbox has no action ${action ?? '(none given)'}.`,
  }),
  notFound: (p: Protocol): AwsError => ({
    status: 404,
    code: p === 'json' ? 'UnknownOperationException' : 'NotFound',
    message: 'The sandbox endpoint serves AWS API calls only at its root path.',
  }),
  tooLarge: (p: Protocol, limit: number): AwsError => ({
    status: 413,
    code: p === 'json' ? 'RequestEntityTooLargeException' : 'RequestEntityTooLarge',
    message: `The request body is larger than the sandbox limit of ${limit} bytes.`,
  }),
  /** Codes and statuses botocore's retry handlers treat as throttling (EC2's rule wants 503), so the CLI backs off. */
  throttled: (p: Protocol): AwsError =>
    p === 'ec2'
      ? { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' }
      : p === 'json'
        ? { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }
        : { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  unavailable: (p: Protocol): AwsError => ({
    status: 503,
    code: p === 'json' ? 'ServiceUnavailableException' : p === 'ec2' ? 'Unavailable' : 'ServiceUnavailable',
    message: UNAVAILABLE,
  }),
  missingAction: (p: Protocol): AwsError =>
    p === 'json'
      ? { status: 400, code: 'UnknownOperationException', message: 'The request names no operation: send an X-Amz-Target header.' }
      : { status: 400, code: 'MissingAction', message: 'The request must contain the parameter Action.' },
  invalidAction: (p: Protocol, action: string): AwsError =>
    p === 'json'
      ? { status: 400, code: 'UnknownOperationException', message: `Unknown operation ${JSON.stringify(action)}.` }
      : { status: 400, code: 'InvalidAction', message: `The action ${JSON.stringify(action)} is not valid for this web service.` },
  /** moto failed on a call it should have answered; its own error page never reaches the learner's CLI. */
  emulatorFailed: (): AwsError => ({ status: 500, code: 'InternalFailure', message: "The sandbox's AWS emulator failed on this request. Try again; if it keeps failing, tell your instructor." }),
  internal: (): AwsError => ({ status: 500, code: 'InternalFailure', message: 'The sandbox failed to process the request.' }),
  /** A call Verilab answers itself had a body it cannot act on; JSON services say ValidationException. */
  validation: (message: string): AwsError => ({ status: 400, code: 'ValidationException', message }),
  crossAccount: (p: Protocol, message: string): AwsError =>
    p === 'ec2' ? { status: 403, code: 'UnauthorizedOperation', message } : { status: 403, code: 'AccessDenied', message },
} as const;

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function errorBody(protocol: Protocol, error: AwsError, requestId: string): { contentType: string; body: string } {
  const code = xmlEscape(error.code);
  const message = xmlEscape(error.message);
  if (protocol === 'json') {
    return { contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ ...error.fields, __type: error.code, message: error.message }) };
  }
  if (protocol === 'ec2') {
    return {
      contentType: 'text/xml;charset=UTF-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    };
  }
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    contentType: 'text/xml',
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export function sendAwsError(res: Response, protocol: Protocol, error: AwsError, requestId: string): void {
  const { contentType, body } = errorBody(protocol, error, requestId);
  res.status(error.status);
  res.setHeader('content-type', contentType);
  res.setHeader('x-amzn-requestid', requestId);
  // JSON clients take the code from this header first (restJson services have no __type in the body).
  if (protocol === 'json') res.setHeader('x-amzn-errortype', error.code);
  res.end(body);
}
