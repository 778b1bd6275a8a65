// Turns AWS SDK errors into plain words: for AssumeRole (the learner's role setup) and for the reads (a missing permission).
import { AppError } from '../errors';

export const VERIFY_MESSAGES = {
  NOT_CONNECTED: 'Connect your AWS account first, so Verilab can look at what you built.',
  VERIFIER_NO_CREDENTIALS:
    'Verilab itself has no AWS credentials to assume your role with. This is a setup problem on the Verilab server: tell your instructor or operator.',
  THROTTLED: 'AWS is throttling requests right now. Wait a minute and check again.',
  TIMEOUT: 'AWS did not answer in time. Check again in a moment.',
  NETWORK: 'Verilab could not reach AWS. Check again in a moment.',
} as const;

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'AuthorizationError', 'Forbidden']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'SlowDown']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'NetworkingError']);

function nameOf(err: unknown): string {
  const e = err as SdkError;
  return e?.name ?? e?.code ?? 'Error';
}

export function isDenied(err: unknown): boolean {
  return DENIED.has(nameOf(err)) || (err as SdkError)?.$metadata?.httpStatusCode === 403;
}

export function isThrottled(err: unknown): boolean {
  return THROTTLED.has(nameOf(err)) || (err as SdkError)?.$metadata?.httpStatusCode === 429;
}

export function isTimeout(err: unknown): boolean {
  return TIMEOUT.has(nameOf(err)) || /timed? ?out/i.test((err as SdkError)?.message ?? '');
}

function isNetwork(err: unknown): boolean {
  return NETWORK.has(nameOf(err)) || NETWORK.has((err as SdkError)?.code ?? '');
}

function isMissingCredentials(err: unknown): boolean {
  return nameOf(err) === 'CredentialsProviderError' || /could not load credentials/i.test((err as SdkError)?.message ?? '');
}

/** Why one read failed, in words the "could not check" line can show; `permission` names the IAM action. */
export function readFailure(err: unknown, permission: string): { reason: string; permission?: string } {
  if (isDenied(err)) return { reason: `the role lacks ${permission}`, permission };
  if (isThrottled(err)) return { reason: 'AWS throttled the request; check again in a minute' };
  if (isTimeout(err)) return { reason: 'AWS did not answer in time; check again in a moment' };
  if (isNetwork(err)) return { reason: 'AWS could not be reached' };
  return { reason: `${permission} failed: ${nameOf(err)}${(err as SdkError)?.message ? ` (${(err as SdkError).message})` : ''}` };
}

/** An error from the part of verification that must work before anything can be read. */
export function upstreamError(err: unknown): AppError {
  if (isMissingCredentials(err)) return new AppError(503, 'VERIFIER_NO_CREDENTIALS', VERIFY_MESSAGES.VERIFIER_NO_CREDENTIALS, { cause: err, expose: true });
  if (isThrottled(err)) return new AppError(503, 'AWS_THROTTLED', VERIFY_MESSAGES.THROTTLED, { cause: err, expose: true });
  if (isTimeout(err)) return new AppError(504, 'AWS_TIMEOUT', VERIFY_MESSAGES.TIMEOUT, { cause: err, expose: true });
  if (isNetwork(err)) return new AppError(502, 'AWS_UNREACHABLE', VERIFY_MESSAGES.NETWORK, { cause: err, expose: true });
  return new AppError(502, 'AWS_ERROR', `AWS answered with an error: ${nameOf(err)}. Check again in a moment.`, { cause: err, expose: true });
}

/** What went wrong when assuming the learner's role, naming what to look at. */
export function assumeRoleError(err: unknown, role: { roleArn: string; externalId: string }, verifierAccountId?: string): AppError {
  const name = nameOf(err);
  // RegionDisabledException also comes as HTTP 403, so it is told apart before the general "denied".
  if (name === 'RegionDisabledException') {
    return new AppError(422, 'REGION_DISABLED', 'AWS STS is not activated in that region for your account.', {
      cause: err,
      hint: 'Choose a region your account has enabled (for example us-east-1), or enable the region in your account settings.',
    });
  }
  if (isDenied(err)) {
    const account = verifierAccountId ? `Verilab's account (${verifierAccountId})` : "Verilab's account";
    return new AppError(422, 'ASSUME_ROLE_DENIED', `Verilab could not assume the role ${role.roleArn}.`, {
      cause: err,
      hint:
        `Check three things: the role name in the ARN is exactly the one the stack created (see the stack's RoleArn output); ` +
        `its trust policy allows ${account}; and its sts:ExternalId condition is ${role.externalId}, your ExternalId on this page. ` +
        `Redeploying the template with the command shown here fixes all three.`,
    });
  }
  if (name === 'ValidationError' || name === 'MalformedPolicyDocument') {
    return new AppError(422, 'ROLE_ARN_INVALID', 'AWS did not accept that role ARN.', { cause: err, hint: (err as SdkError).message });
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'InvalidClientTokenId') {
    return new AppError(503, 'VERIFIER_NO_CREDENTIALS', VERIFY_MESSAGES.VERIFIER_NO_CREDENTIALS, { cause: err, expose: true });
  }
  return upstreamError(err);
}
