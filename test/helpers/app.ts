// Test factories for configuration, the real lab catalogue and an app built from them.
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { loadLabs } from '../../server/labs/loader';
import type { LabCatalog } from '../../server/labs/types';
import { LABS_DIR, ROOT_DIR } from '../../server/paths';

export const FIXTURES = path.join(ROOT_DIR, 'test', 'fixtures');
export const silentLogger = pino({ level: 'silent' });

let realLabs: LabCatalog | undefined;
/** The real labs folder, loaded once per test file (it is read-only). */
export function labs(): LabCatalog {
  realLabs ??= loadLabs(LABS_DIR);
  return realLabs;
}

export function testConfig(overrides: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ VERILAB_MODE: 'sandbox', LOG_LEVEL: 'silent', ...overrides });
}

export function testApp(overrides: Record<string, string> = {}) {
  return buildApp({ config: testConfig(overrides), logger: silentLogger, labs: labs() });
}
