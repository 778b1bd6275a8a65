// Live grid factories: an app whose checks answer as a test says (no AWS), signing in over real HTTP, and an event-stream reader.
import http from 'node:http';
import type { Express } from 'express';
import { buildApp } from '../../server/app';
import type { StepResult } from '../../server/labs/check-types';
import type { CheckRegistry } from '../../server/labs/registry';
import type { Store } from '../../server/store';
import type { AwsClients } from '../../server/verify/aws-session';
import { VerifyEngine } from '../../server/verify/engine';
import { TEST_PASSWORD, TEST_SECRET, labs, silentLogger, testConfig } from './app';

export const LAB_ID = 'vpc-flow-logs';

/** What the next check of a learner's step finds: passed, or failing on the named check. Unknown steps fail on "not there". */
export type Verdicts = Map<string, { passed: boolean; label?: string }>;

export const verdictKey = (userId: string, stepId: string) => `${userId}\n${stepId}`;

function resultOf(verdict: { passed: boolean; label?: string } | undefined): StepResult {
  if (verdict?.passed) return { passed: true, checks: [{ label: 'all there', ok: true }], evidence: {} };
  return { passed: false, checks: [{ label: 'found the VPC', ok: true }, { label: verdict?.label ?? 'not there', ok: false }], evidence: {} };
}

/** An app over `store` whose Check records what `verdicts` says, through the real engine (which publishes the change). */
export function liveApp(store: Store, verdicts: Verdicts): Express {
  const config = testConfig({ VERILAB_MODE: 'aws', CHECK_RATE_LIMIT_SECONDS: '1' });
  let current = '';
  const checks: CheckRegistry = {
    get: (_lab, stepId) => ({ needs: [], run: () => resultOf(verdicts.get(verdictKey(current, stepId))) }),
    has: () => true,
    gather: () => undefined,
    cleanup: () => undefined,
  };
  const clients = { accountId: '111122223333', region: 'us-east-1' } as AwsClients;
  const engine = new VerifyEngine({
    labs: labs(),
    checks,
    store,
    aws: { forRole: async () => clients },
    accounts: {
      roleFor: async (user) => {
        current = user.id;
        return { roleArn: 'arn:aws:iam::111122223333:role/VerilabReadOnly', externalId: 'x', region: 'us-east-1', sessionName: 'test' };
      },
    },
    logger: silentLogger,
    rateLimitMs: 0,
  });
  // The engine is only used through buildApp's routes; its AwsSessions is never asked for anything.
  return buildApp({ config, logger: silentLogger, labs: labs(), store, sessionSecret: TEST_SECRET, checks, aws: undefined as never, engine });
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);

function merge(jar: string[], fresh: string[]): string[] {
  const byName = new Map(jar.map((c) => [c.split('=')[0], c]));
  for (const c of fresh) byName.set(c.split('=')[0], c);
  return [...byName.values()];
}

/** A signed-in visitor over real HTTP: its cookie header, and the CSRF token of a page. */
export async function signInOver(baseUrl: string, email: string): Promise<{ cookie: string; token(path: string): Promise<string>; post(path: string, form: Record<string, string>): Promise<Response> }> {
  let jar: string[] = [];
  const tokenOf = async (path: string) => {
    const res = await fetch(baseUrl + path, { headers: { cookie: jar.join('; '), accept: 'text/html' } });
    jar = merge(jar, cookiesOf(res));
    const match = /name="_csrf" value="([^"]+)"/.exec(await res.text());
    if (!match) throw new Error(`no CSRF token on ${path} (${res.status})`);
    return match[1];
  };
  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(baseUrl + path, { method: 'POST', redirect: 'manual', headers: { cookie: jar.join('; '), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form).toString() });
    jar = merge(jar, cookiesOf(res));
    return res;
  };
  const login = await post('/login', { _csrf: await tokenOf('/login'), email, password: TEST_PASSWORD });
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  return {
    get cookie() {
      return jar.join('; ');
    },
    token: tokenOf,
    post,
  };
}

export interface StreamEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface EventStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: StreamEvent[];
  /** Resolves with the first event (already received or to come) that `match` accepts. */
  next(match: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}

/** Opens an event stream and parses it as a browser's EventSource would (the parts of the format Verilab sends). */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: StreamEvent[] = [];
      const waiters: { match: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: StreamEvent = { event: 'message', data: undefined };
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (data === undefined) continue;
          e.data = JSON.parse(data);
          events.push(e);
          for (const w of [...waiters]) {
            if (w.match(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
          }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        next(match, timeoutMs = 5000) {
          const found = events.find(match);
          if (found) return Promise.resolve(found);
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching event in ${timeoutMs} ms; had ${JSON.stringify(events)}`)), timeoutMs);
            waiters.push({ match, resolve: (e) => { clearTimeout(timer); ok(e); } });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}
