// Every route an app serves, read from Express's own router stack at run time, and the five actors the route tables are tried as.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import WebSocket from 'ws';
import { CLOSE, ShellRefusal, type ShellManager } from '../../server/sandbox/shell/shell-manager';
import { attachShellSocket, SHELL_PATH } from '../../server/sandbox/shell/shell-socket';
import type { Store } from '../../server/store';
import type { ClassInfo } from '../../server/store/classes';
import type { User } from '../../server/store/users';
import { userFromCookies } from '../../server/web/security';
import { csrfToken, makeUser, signedIn, silentLogger, TEST_PASSWORD } from './app';

/** The WebSocket of the cloud shell: served on the HTTP server's 'upgrade' event in sandbox mode, so no router lists it. */
export const SHELL_SOCKET_ROUTE = `WS ${SHELL_PATH}`;

// Express 5 uses router 2.x: a Layer keeps the path it was made with in `rawPath` (no `regexp` as in Express 4), `slash`
// is true for a use() at '/', a route's layer has `route` (with `path` and `methods`), and a mounted Router is a function
// with its own `stack`.
interface Layer {
  rawPath?: unknown;
  slash?: boolean;
  name?: string;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; name?: string };
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function literal(path: unknown, where: string): string {
  if (typeof path !== 'string') throw new Error(`a route at ${where} has a path that is not a string (${String(path)}): teach test/helpers/routes.ts to list it`);
  return path;
}

function walk(stack: Layer[], prefix: string, out: Set<string>): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = join(prefix, literal(layer.route.path, prefix || '/'));
      for (const method of Object.keys(layer.route.methods)) out.add(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${path}`);
      continue;
    }
    const mount = layer.slash ? prefix || '/' : join(prefix, literal(layer.rawPath, prefix || '/'));
    if (Array.isArray(layer.handle.stack)) walk(layer.handle.stack, mount === '/' ? '' : mount, out);
    else if (layer.handle.name === 'mounted_app') throw new Error(`an Express app is mounted at ${mount}: teach test/helpers/routes.ts to walk it`);
    // A handler mounted on a path of its own answers every request under it (static files, the signing proxy), or is
    // middleware scoped to some routes: either way the table must say what it is.
    else if (mount !== '/') out.add(`USE ${mount} ${layer.name ?? '<anonymous>'}`);
  }
}

/** "GET /labs/:labId", "POST /classes/:classId/skip", "USE /static serveStatic" (a handler mounted on a path, by name), ...: sorted. */
export function routesOf(app: Express): string[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const out = new Set<string>();
  walk(router.stack, '', out);
  return [...out].sort();
}

/** The five people every route is tried as: nobody, a learner of the class, a learner of another class, its instructor, and that other class's instructor. */
export type Actor = 'anonymous' | 'learnerA' | 'learnerB' | 'instructor' | 'otherInstructor';
export type Member = Exclude<Actor, 'anonymous'>;
export const ACTORS: Actor[] = ['anonymous', 'learnerA', 'learnerB', 'instructor', 'otherInstructor'];
export const MEMBERS: Member[] = ['learnerA', 'learnerB', 'instructor', 'otherInstructor'];
export const LAB = 'vpc-flow-logs';

export interface World {
  mode: 'aws' | 'sandbox';
  app: Express;
  store: Store;
  users: Record<Member, User>;
  agents: Record<Actor, request.Agent>;
  /** The instructor's class for the lab, with learner A in it and Skip allowed. */
  cls: ClassInfo;
  /** The other instructor's class for the lab, with learner B in it and Skip not allowed. */
  otherCls: ClassInfo;
}

/** The five actors signed in to `app`, with the instructor's class (learner A) and the other instructor's (learner B). */
export async function makeWorld(app: Express, store: Store, mode: World['mode']): Promise<World> {
  const users = {
    learnerA: await makeUser(store, 'learner', 'Alice Learner'),
    learnerB: await makeUser(store, 'learner', 'Bob Learner'),
    instructor: await makeUser(store, 'instructor', 'Ines Instructor'),
    otherInstructor: await makeUser(store, 'instructor', 'Otto Instructor'),
  };
  const agents = { anonymous: request.agent(app) } as Record<Actor, request.Agent>;
  for (const m of MEMBERS) agents[m] = await signedIn(app, users[m]);
  const cls = await store.classes.create({ name: 'Networking 101', labId: LAB, instructorId: users.instructor.id });
  await store.classes.enroll(cls.id, users.learnerA.id);
  await store.classes.setAllowSkip(cls.id, true);
  const otherCls = await store.classes.create({ name: 'Evening Networking', labId: LAB, instructorId: users.otherInstructor.id });
  await store.classes.enroll(otherCls.id, users.learnerB.id);
  return { mode, app, store, users, agents, cls, otherCls };
}

export interface SendOptions {
  /** Form fields (or JSON, with `json`); the CSRF token is added to every POST unless `csrf` is false. */
  body?: Record<string, unknown>;
  /** Ask for JSON (and send JSON) rather than a page and a form. */
  json?: boolean;
  csrf?: boolean;
  /** The page the CSRF token is read from. */
  from?: string;
}

/** One request as a browser (or the in-page script, with `json`) would send it; redirects are not followed. */
export async function send(agent: request.Agent, method: 'GET' | 'POST', url: string, options: SendOptions = {}): Promise<request.Response> {
  const { body = {}, json = false, csrf = true, from = '/' } = options;
  const accept = json ? 'application/json' : 'text/html';
  if (method === 'GET') return agent.get(url).set('Accept', accept).redirects(0);
  const fields = csrf ? { _csrf: await csrfToken(agent, from), ...body } : body;
  const req = agent.post(url).set('Accept', accept).redirects(0);
  return json ? req.send(fields) : req.type('form').send(fields as Record<string, string>);
}

/** The Cookie header of a fresh session of `user`, for requests that are not made through supertest (a WebSocket). */
export async function sessionCookie(app: Express, user: User): Promise<string> {
  const agent = request.agent(app);
  const token = await csrfToken(agent);
  const res = await agent.post('/login').type('form').send({ _csrf: token, email: user.email, password: TEST_PASSWORD }).expect(303);
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return set.map((c) => c.split(';', 1)[0]).join('; ');
}

export interface SocketOutcome {
  /** The HTTP status when the upgrade itself was refused. */
  status?: number;
  /** The close code when the WebSocket opened and was then closed. */
  code?: number;
  output: string;
}

/** Opens a WebSocket and waits until it is refused or closed; a socket still open after `waitMs` is closed by us (code 1005/1000). */
export function openSocket(url: string, headers: Record<string, string>, waitMs = 5000): Promise<SocketOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let output = '';
    const timer = setTimeout(() => ws.close(), waitMs);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode, output });
      res.resume();
      ws.terminate();
    });
    ws.on('message', (data: Buffer) => {
      output += data.toString('utf8');
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

export interface ShellOpen {
  userId: string;
  fresh: boolean;
  cols: number;
  rows: number;
  instanceId?: string;
}

export interface SocketHarness {
  url: string;
  /** The Origin Verilab's own pages send. */
  origin: string;
  /** Every shell the socket asked the manager for: who, and with what options. */
  opened: ShellOpen[];
  close(): Promise<void>;
}

export const NO_SHELLS = 'No shells in this test.';

/**
 * The /shell/ws WebSocket as main.ts wires it (the session cookie decides who is connecting), in front of `app`, over a
 * manager that records what it was asked for and refuses with 4503: what the socket itself lets through is under test.
 */
export async function startShellSocket(app: Express, store: Store): Promise<SocketHarness> {
  const opened: ShellOpen[] = [];
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const manager = {
    open: async (userId: string, opts: Omit<ShellOpen, 'userId'>) => {
      opened.push({ userId, ...opts });
      throw new ShellRefusal(CLOSE.UNAVAILABLE, NO_SHELLS);
    },
  } as unknown as ShellManager;
  const wss = attachShellSocket(server, { manager, allowedOrigin: origin, authenticate: (req) => userFromCookies(store, req.headers.cookie, { secure: false }), available: async () => ({ ok: true }), logger: silentLogger });
  return {
    url: `${origin.replace(/^http/, 'ws')}${SHELL_PATH}`,
    origin,
    opened,
    async close() {
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
