// The sandbox's AWS endpoint: verifies a learner's SigV4 signature with the SDK's own signer, then forwards to moto in the learner's account.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { judgeActions } from './proxy-actions';
import { ALLOWED_SERVICES, errors, protocolFor, sendAwsError, type AwsError, type Protocol } from './proxy-errors';

export interface SandboxKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userId: string;
}
export type KeyLookup = (accessKeyId: string) => Promise<SandboxKey | undefined>;
export interface ProxyOptions {
  lookupKey: KeyLookup;
  /** moto's base URL (http://127.0.0.1:PORT), or undefined while moto is down/missing: answer 503 ServiceUnavailable AWS-style. */
  motoUrl: () => string | undefined;
  logger: Logger;
  maxBodyBytes?: number; // default 2 MiB (CloudFormation templates, PutLogEvents batches)
  requestsPerSecond?: number; // per access key, token bucket; default 20/s with burst 40
  now?: () => number; // for clock-skew and rate-limit tests
  /**
   * Calls Verilab answers itself instead of moto, asked in order after the signature, rate and cross-account checks.
   * Each returns true when it has answered. The `verilab` service (the sandbox's own actions) is only ever answered here.
   */
  intercepts?: ProxyIntercept[];
  /**
   * Answers from moto that Verilab corrects before the learner sees them: the first rewrite that returns a function
   * for a call gets the body of moto's successful answer and returns the body to send instead.
   */
  rewrites?: ProxyRewrite[];
}

export type ProxyRewrite = (call: ProxyCall) => ((body: Buffer) => Promise<Buffer>) | undefined;

/** A verified call, for an intercept to answer (or pass on by returning false). */
export interface ProxyCall {
  service: string;
  /** The Query protocol's Action, or the last part of X-Amz-Target. */
  action?: string;
  region: string;
  key: SandboxKey;
  protocol: Protocol;
  requestId: string;
  body: Buffer;
  jsonBody?: Record<string, unknown>;
  params?: URLSearchParams;
  res: Response;
}
export type ProxyIntercept = (call: ProxyCall) => Promise<boolean>;

/** The header on every answer of the sandbox, so tools can tell they are talking to a Verilab sandbox. */
export const SANDBOX_HEADER = 'x-verilab-sandbox';

/** The service of Verilab's own sandbox actions (simulated traffic); never forwarded to moto. */
export const VERILAB_SERVICE = 'verilab';

const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
const DEFAULT_REQUESTS_PER_SECOND = 20;
/** AWS refuses a signature whose X-Amz-Date is more than 15 minutes from the server's clock, either way. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** After refusing an oversize body we keep reading (and discarding) it so the client can read the 413; past this we hang up. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 120_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const ALLOWED = new Set<string>(ALLOWED_SERVICES);
const sha256 = Hash.bind(null, 'sha256');

interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): ParsedAuth | string {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!match) return 'Only AWS4-HMAC-SHA256 (Signature Version 4) Authorization headers are accepted.';
  const fields = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    return "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.";
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]!) || !/^[a-z0-9-]+$/.test(scope[2]!) || !/^[a-z0-9-]+$/.test(scope[3]!) || !scope[0]) {
    return `Credential should be scoped to a valid region, service and date: ${credential.split('/').slice(1).join('/')}`;
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'Signature must be 64 lowercase hexadecimal characters.';
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature,
  };
}

/** `20240131T235959Z` to epoch ms, or undefined when malformed. */
function parseAmzDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The query as the signer wants it: decoded once, repeated keys as arrays. Throws on malformed percent-encoding. */
function signerQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

async function signatureMatches(req: Request, auth: ParsedAuth, key: SandboxKey, signingDate: Date, rawPath: string, rawQuery: string, body: Buffer): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(req.headers[name]);
    if (value === undefined) return false;
    headers[name] = value;
  }
  // The signer trusts x-amz-content-sha256 as the payload hash when present, so the header must describe this body.
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex')) return false;
  let query: Record<string, string | string[]>;
  try {
    query = signerQuery(rawQuery);
  } catch {
    return false;
  }
  const request = new HttpRequest({ method: req.method, protocol: 'http:', hostname: 'sandbox', path: rawPath, query, headers, body: body.length ? body : undefined });
  const signer = new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(request, { signingDate, signableHeaders: new Set(auth.signedHeaders), signingRegion: auth.region, signingService: auth.service });
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1];
  if (!expected) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

type BodyResult = { body: Buffer } | { tooLarge: true };

/** Reads the body up to `limit` bytes; an oversize body is refused without holding more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discardRest(req, 0);
      resolve({ tooLarge: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        discardRest(req, size);
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ body: Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Clients send the whole body before reading the answer, so we drain it (discarding) rather than reset the connection. */
function discardRest(req: IncomingMessage, alreadyRead: number): void {
  let discarded = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

/** Query-protocol parameters from the query string and the form body together: moto reads both, so the guards must too. */
function queryParams(rawQuery: string, body: Buffer): URLSearchParams {
  const params = new URLSearchParams(rawQuery);
  if (body.length && body[0] !== 0x7b /* { */) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
  }
  return params;
}

function arnAccount(arn: string): string | undefined {
  return arn.split(':')[4];
}

/**
 * AWS keeps accounts apart by policy; moto does not, and these calls would reach into another learner's account.
 * Checked by parameter rather than by Action, so a second Action smuggled into the query string cannot dodge them.
 */
function crossAccountRefusal(service: string, params: URLSearchParams | undefined, jsonBody: Record<string, unknown> | undefined, key: SandboxKey): string | undefined {
  const own = key.accountId;
  if (service === 'ec2' && params) {
    const other = params.getAll('PeerOwnerId').find((id) => id !== own);
    if (other !== undefined) {
      return `You are not authorized to perform this operation. The Verilab sandbox only peers VPCs within your own account (${own}), not with account ${other}.`;
    }
  }
  if (service === 'sts' && params) {
    const other = params.getAll('RoleArn').find((arn) => arnAccount(arn) !== own);
    if (other !== undefined) {
      return `You are not authorized to perform: sts:AssumeRole on resource: ${other}. The Verilab sandbox only lets you assume roles in your own account (${own}).`;
    }
  }
  if (service === 'cloudformation' && params) {
    for (const [name, value] of params) {
      if (/(^|\.)Accounts\.member\.\d+$/.test(name) && value !== own) {
        return `You are not authorized to deploy stack instances into account ${value}. The Verilab sandbox only deploys into your own account (${own}).`;
      }
    }
  }
  if (service === 'logs' && jsonBody && typeof jsonBody.destinationArn === 'string' && arnAccount(jsonBody.destinationArn) !== own) {
    return `You are not authorized to send log events to ${jsonBody.destinationArn}. The Verilab sandbox only delivers to destinations in your own account (${own}).`;
  }
  return undefined;
}

function parseJsonBody(body: Buffer): Record<string, unknown> | undefined {
  if (!body.length || body[0] !== 0x7b) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

function tokenBucket(ratePerSecond: number, now: () => number) {
  const burst = ratePerSecond * 2;
  const buckets = new Map<string, Bucket>();
  return (id: string): boolean => {
    const t = now();
    if (buckets.size > 10_000) {
      // Full buckets carry no state; forgetting them keeps the map to the keys in active use.
      for (const [k, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * ratePerSecond >= burst) buckets.delete(k);
    }
    const bucket = buckets.get(id) ?? { tokens: burst, at: t };
    // A clock stepped backwards must not drain the bucket.
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * ratePerSecond);
    bucket.at = t;
    buckets.set(id, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
}

function forwardHeaders(req: Request, accountId: string, bodyLength: number): http.OutgoingHttpHeaders {
  const named = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name === 'host' || name === 'content-length' || name === 'expect' || name.startsWith('x-moto-')) continue;
    out[name] = value;
  }
  // moto places a request in an account by this header before anything else; only we ever set it.
  out['x-moto-account-id'] = accountId;
  out['content-length'] = String(bodyLength);
  return out;
}

/** Sends moto's answer through `rewrite` when it succeeded; moto's own answer goes out when the rewrite fails. */
function rewritten(answer: http.IncomingMessage, res: Response, rewrite: (body: Buffer) => Promise<Buffer>, onError: (err: Error) => void): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('error', () => res.destroy());
  answer.on('end', () => {
    const original = Buffer.concat(chunks);
    rewrite(original)
      .catch((err: Error) => {
        onError(err);
        return original;
      })
      .then((out) => {
        res.removeHeader('content-encoding');
        res.setHeader('content-length', String(out.length));
        res.end(out);
      });
  });
}

function forward(
  req: Request,
  res: Response,
  target: URL,
  agent: http.Agent,
  headers: http.OutgoingHttpHeaders,
  rawQuery: string,
  body: Buffer,
  onFailure: (err: Error) => void,
  rewrite: { apply: (body: Buffer) => Promise<Buffer>; onError: (err: Error) => void } | undefined,
  /** moto answered with its own HTML error page (a crash on a call it should handle): answer AWS-style instead. */
  onEmulatorPage: () => void,
): void {
  const upstream = http.request(
    { agent, protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: rawQuery ? `/?${rawQuery}` : '/', headers },
    (answer) => {
      const named = new Set(
        String(answer.headers.connection ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase()),
      );
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name === 'server') continue;
        res.setHeader(name, value);
      }
      if ((answer.statusCode ?? 502) >= 500 && /text\/html/i.test(String(answer.headers['content-type'] ?? ''))) {
        answer.resume();
        return onEmulatorPage();
      }
      res.status(answer.statusCode ?? 502);
      if (rewrite && answer.statusCode === 200) return rewritten(answer, res, rewrite.apply, rewrite.onError);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => upstream.destroy(new Error('moto did not answer in time')));
  upstream.on('error', onFailure);
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.end(body);
}

export function sandboxProxy(options: ProxyOptions): RequestHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const allow = tokenBucket(options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND, now);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const { logger } = options;

  return async (req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    const rawAuth = headerValue(req.headers.authorization);
    const auth = rawAuth === undefined ? undefined : parseAuthorization(rawAuth);
    const service = typeof auth === 'object' ? auth.service : undefined;
    const protocol: Protocol = protocolFor(service, req.headers);
    const log: Record<string, unknown> = { requestId, service };
    // Tools that write simulated records (verilab simulate-ping) look for this before they write anything.
    res.setHeader(SANDBOX_HEADER, '1');
    res.on('close', () => logger.debug({ ...log, status: res.statusCode, ms: Math.round((performance.now() - started) * 100) / 100 }, 'sandbox request'));

    const refuse = (error: AwsError) => {
      log.refused = error.code;
      // A body we never read must still be drained, or the client sees a reset instead of the error.
      if (!req.complete && req.listenerCount('data') === 0) discardRest(req, 0);
      sendAwsError(res, protocol, error, requestId);
    };

    try {
      const qmark = req.originalUrl.indexOf('?');
      const rawPath = qmark < 0 ? req.originalUrl : req.originalUrl.slice(0, qmark);
      const rawQuery = qmark < 0 ? '' : req.originalUrl.slice(qmark + 1);

      // Only the API root is proxied: /moto-api/... would let any learner reset or read every account.
      if (req.path !== '/') return refuse(errors.notFound(protocol));
      if (auth === undefined) {
        return refuse(/(^|&)X-Amz-Signature=/i.test(rawQuery) ? errors.incompleteSignature(protocol, 'The sandbox accepts only Authorization-header signatures, not presigned URLs.') : errors.missingAuth(protocol));
      }
      if (typeof auth === 'string') return refuse(errors.incompleteSignature(protocol, auth));
      log.accessKeyId = auth.accessKeyId;
      if (!ALLOWED.has(auth.service) && auth.service !== VERILAB_SERVICE) return refuse(errors.unsupportedService(protocol, auth.service));
      if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-amz-date')) {
        return refuse(errors.incompleteSignature(protocol, 'The signature must cover the host and x-amz-date headers.'));
      }
      const signedAt = parseAmzDate(headerValue(req.headers['x-amz-date']));
      if (signedAt === undefined) return refuse(errors.incompleteSignature(protocol, 'X-Amz-Date must be an ISO 8601 basic date such as 20240131T235959Z.'));

      const key = await options.lookupKey(auth.accessKeyId);
      if (!key) return refuse(errors.unknownKey(protocol));
      log.accountId = key.accountId;
      log.userId = key.userId;

      const t = now();
      if (signedAt < t - MAX_SKEW_MS) {
        return refuse(errors.expired(protocol, `Signature expired: ${amzDate(signedAt)} is now earlier than ${amzDate(t - MAX_SKEW_MS)} (${amzDate(t)} - 15 min.)`));
      }
      if (signedAt > t + MAX_SKEW_MS) {
        return refuse(errors.expired(protocol, `Signature not yet current: ${amzDate(signedAt)} is still later than ${amzDate(t + MAX_SKEW_MS)} (${amzDate(t)} + 15 min.)`));
      }

      const read = await readBody(req, maxBodyBytes);
      if ('tooLarge' in read) return refuse(errors.tooLarge(protocol, maxBodyBytes));
      const { body } = read;

      if (!(await signatureMatches(req, auth, key, new Date(signedAt), rawPath, rawQuery, body))) return refuse(errors.badSignature(protocol));
      if (!allow(key.accessKeyId)) return refuse(errors.throttled(protocol));

      const params = protocol === 'json' ? undefined : queryParams(rawQuery, body);
      const jsonBody = protocol === 'json' ? parseJsonBody(body) : undefined;
      const target = headerValue(req.headers['x-amz-target']);
      const actions = params ? params.getAll('Action') : target ? [target.slice(target.lastIndexOf('.') + 1)] : [];
      log.action = actions[0];
      if (auth.service !== VERILAB_SERVICE) {
        const verdict = judgeActions(auth.service, actions);
        if (!verdict.ok) return refuse(verdict.problem === 'missing' ? errors.missingAction(protocol) : errors.invalidAction(protocol, verdict.action ?? ''));
      }
      const refusal = crossAccountRefusal(auth.service, params, jsonBody, key);
      if (refusal) return refuse(errors.crossAccount(protocol, refusal));

      const call: ProxyCall = { service: auth.service, action: log.action as string | undefined, region: auth.region, key, protocol, requestId, body, jsonBody, params, res };
      for (const intercept of options.intercepts ?? []) {
        if (await intercept(call)) {
          log.answeredBy = 'verilab';
          return;
        }
      }
      if (auth.service === VERILAB_SERVICE) return refuse(errors.unknownAction(protocol, auth.service, call.action));

      const base = options.motoUrl();
      if (!base) return refuse(errors.unavailable(protocol));
      const apply = (options.rewrites ?? []).map((r) => r(call)).find((r) => r !== undefined);
      const onRewriteError = (err: Error) => logger.warn({ err, requestId, action: log.action }, 'sandbox: could not correct moto\'s answer; sent it as it was');
      // moto may compress; an answer that is rewritten is asked for plain.
      const headers = forwardHeaders(req, key.accountId, body.length);
      if (apply) delete headers['accept-encoding'];
      forward(
        req,
        res,
        new URL(base),
        agent,
        headers,
        rawQuery,
        body,
        (err) => {
          log.upstreamError = err.message;
          if (res.headersSent) res.destroy();
          else sendAwsError(res, protocol, errors.unavailable(protocol), requestId);
        },
        apply && { apply, onError: onRewriteError },
        () => {
          log.upstreamError = 'moto answered with an error page';
          logger.warn({ requestId, service: auth.service, action: log.action }, 'sandbox: moto failed on a request');
          sendAwsError(res, protocol, errors.emulatorFailed(), requestId);
        },
      );
    } catch (err) {
      logger.error({ err, requestId }, 'sandbox proxy failed');
      if (res.headersSent) res.destroy();
      else refuse(errors.internal());
    }
  };
}
