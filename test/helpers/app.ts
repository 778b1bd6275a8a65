// Test factories: configuration, the real lab catalogue, an app over a private store, and signed-in agents.
import path from 'node:path';
import type { Express } from 'express';
import pino, { type Logger } from 'pino';
import request from 'supertest';
import { hashPassword } from '../../server/auth/passwords';
import { buildApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { loadLabs } from '../../server/labs/loader';
import { loadCheckRegistry } from '../../server/labs/registry';
import { AwsSessions, awsSettings } from '../../server/verify/aws-session';
import { VerifyEngine } from '../../server/verify/engine';
import type { LabCatalog } from '../../server/labs/types';
import { LABS_DIR, ROOT_DIR } from '../../server/paths';
import type { Store } from '../../server/store';
import type { Role } from '../../server/store/schema';
import type { User } from '../../server/store/users';
import { openTestStore } from './store';
import { TEST_AWS_CREDENTIALS } from './credentials';

export const FIXTURES = path.join(ROOT_DIR, 'test', 'fixtures');
export const silentLogger = pino({ level: 'silent' });
export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';
export const TEST_PASSWORD = 'correct horse battery';
/** Verilab's own AWS keys in tests: what moto accepts, and harmless anywhere else. Hand the SDK a copy: it writes to the object. */
export { TEST_AWS_CREDENTIALS };

const realLabs: Partial<Record<'aws' | 'sandbox', LabCatalog>> = {};
/** The real labs folder, rendered for a mode (AWS unless asked), loaded once per test file (it is read-only). */
export function labs(mode: 'aws' | 'sandbox' = 'aws'): LabCatalog {
  realLabs[mode] ??= loadLabs(LABS_DIR, { mode });
  return realLabs[mode];
}

export function testConfig(overrides: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ VERILAB_MODE: 'sandbox', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_PER_15_MIN: '10000', ...overrides });
}

export interface TestContext {
  app: Express;
  store: Store;
  aws: AwsSessions;
  engine: VerifyEngine;
  close(): Promise<void>;
}

export interface TestContextOptions {
  /** Where Verilab's own AWS calls go (moto's URL); the real AWS endpoints when absent. */
  awsEndpoint?: string;
  /** The app's logger; silent unless a test reads the log. */
  logger?: Logger;
}

/** An app over a private store; Verilab's AWS identity is always the test keys, never the developer's own credential chain. */
export async function createTestContext(overrides: Record<string, string> = {}, options: TestContextOptions = {}): Promise<TestContext> {
  const { store, close } = await openTestStore();
  const config = testConfig(overrides);
  const checks = loadCheckRegistry(labs());
  const { awsEndpoint, logger = silentLogger } = options;
  const aws = new AwsSessions({ ...awsSettings(config), credentials: { ...TEST_AWS_CREDENTIALS }, ...(awsEndpoint ? { endpoint: () => awsEndpoint } : {}) });
  const engine = new VerifyEngine({ labs: labs(), checks, store, aws, logger, rateLimitMs: config.checkRateLimitSeconds * 1000 });
  const app = buildApp({ config, logger, labs: labs(), store, sessionSecret: TEST_SECRET, checks, aws, engine });
  return { app, store, aws, engine, close };
}

let counter = 0;
/** A user stored directly (fast: hashing once per call), with a unique email. */
export async function makeUser(store: Store, role: Role = 'learner', name?: string): Promise<User> {
  counter += 1;
  const label = name ?? `${role} ${counter}`;
  const user = await store.users.create({ email: `${role}${counter}-${Date.now()}@example.com`, name: label, passwordHash: await hashPassword(TEST_PASSWORD), role });
  if (!user) throw new Error('test user email clash');
  return user;
}

/**
 * The CSRF token of the form on `url`, as the browser would see it. A visitor who is not signed in gets a token only
 * with a form, so on a page without one theirs comes from the sign-in form, as it would in their browser.
 */
export async function csrfToken(agent: request.Agent, url = '/login'): Promise<string> {
  const res = await agent.get(url).set('Accept', 'text/html');
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text) ?? /<meta name="csrf-token" content="([^"]+)">/.exec(res.text);
  if (!match && url !== '/login' && !/class="nav-user"/.test(res.text)) return csrfToken(agent, '/login');
  if (!match) throw new Error(`no CSRF token on ${url} (status ${res.status})`);
  return match[1];
}

/** An agent that keeps cookies, signed in as `user`. */
export async function signedIn(app: Express, user: User): Promise<request.Agent> {
  const agent = request.agent(app);
  const token = await csrfToken(agent);
  await agent.post('/login').type('form').send({ _csrf: token, email: user.email, password: TEST_PASSWORD }).expect(303);
  return agent;
}
