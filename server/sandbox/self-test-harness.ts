// Fresh sandbox accounts for a lab's self-test: moto (started here unless SANDBOX_MOTO_URL), a throwaway store, and the services and checks as the app wires them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { CheckRegistry } from '../labs/registry';
import type { SelfTestAccount } from '../labs/self-test';
import type { Lab, LabCatalog } from '../labs/types';
import { openStore } from '../store';
import { runChecks } from '../verify/engine';
import { ExternalMoto, ManagedMoto, type MotoSource } from './moto-supervisor';
import { sandboxServices, type SandboxServices } from './services';

export interface SelfTestHarness {
  services: SandboxServices;
  newAccount(): Promise<SelfTestAccount>;
  close(): Promise<void>;
}

export async function sandboxSelfTestHarness(deps: { config: Readonly<Config>; labs: LabCatalog; lab: Lab; checks: CheckRegistry; logger: Logger }): Promise<SelfTestHarness> {
  const { config, logger } = deps;
  let moto: MotoSource;
  if (config.sandbox.motoUrl) {
    moto = new ExternalMoto(config.sandbox.motoUrl, logger);
  } else {
    const managed = new ManagedMoto({ command: config.sandbox.motoCommand, logger });
    await managed.start();
    moto = managed;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-self-test-'));
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'verilab.sqlite') });
  const services = sandboxServices({ config, store, labs: deps.labs, moto, sessionSecret: randomBytes(32).toString('hex'), logger });
  // The "began the lab" rules compare with this: everything the self-test makes comes after it.
  const startedAt = new Date(Date.now() - 60_000);
  let n = 0;

  return {
    services,
    async newAccount() {
      n += 1;
      const user = await store.users.create({ email: `self-test-${n}@verilab.invalid`, name: `Self-test ${n}`, passwordHash: '-', role: 'learner' });
      const role = await services.accounts.accounts().roleFor(user!);
      const row = await services.accounts.account(user!.id);
      return {
        accountId: row.accountId,
        clients: services.labClients(row.accountId, row.region),
        async check(step) {
          const learner = await services.aws.forRole(role);
          const { results } = await runChecks(learner, deps.lab, deps.checks, [step], { now: new Date(), labStartedAt: startedAt });
          return results.get(step)!;
        },
      };
    },
    async close() {
      await services.insights.stop();
      await store.close();
      await moto.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
