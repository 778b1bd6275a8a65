// The sandbox's services over one moto: accounts, Verilab's own AWS sessions, Logs Insights, clients for solutions and the signing proxy, wired one way for the app, the self-test and tests.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { loadSolverRegistry, type SolverRegistry } from '../labs/solver-registry';
import type { LabCatalog } from '../labs/types';
import type { Store } from '../store';
import { AwsSessions, awsSettings } from '../verify/aws-session';
import { insightsIntercept, SandboxInsights, withSandboxInsights } from './insights-api';
import { SecretBox, VERILAB_SANDBOX_CREDENTIALS } from './keys';
import { labClientsFactory, type LabClientsFactory } from './lab-clients';
import { ManagedMoto, type MotoSource } from './moto-supervisor';
import { sandboxProxy } from './proxy';
import { Sandbox } from './sandbox';
import { flowLogStatusRewrite } from './traffic/flow-log-status';
import { trafficIntercept } from './traffic/proxy-action';

export interface SandboxServices {
  moto: MotoSource;
  accounts: Sandbox;
  /** Verilab's sessions in learners' accounts (the checks); their Logs Insights calls are answered by `insights`. */
  aws: AwsSessions;
  /** Logs Insights in the sandbox accounts: the proxy and Verilab's own clients answer from it (moto's has no stats). */
  insights: SandboxInsights;
  /** The labs' solutions, and clients in a learner's account to run them with (Skip, Rebuild, the self-test). */
  solvers: SolverRegistry;
  labClients: LabClientsFactory;
  /** The learners' AWS endpoint: signature checked, then answered by Verilab or forwarded to moto in their account. */
  proxy: RequestHandler;
}

export interface SandboxServiceDeps {
  config: Readonly<Config>;
  store: Store;
  labs: LabCatalog;
  moto: MotoSource;
  sessionSecret: string;
  logger: Logger;
}

/** Throws LabLoadError when a lab's solutions do not fit its steps, before anything runs. */
export function sandboxServices(deps: SandboxServiceDeps): SandboxServices {
  const { config, store, labs, moto, logger } = deps;
  const solvers = loadSolverRegistry(labs);
  const insights = new SandboxInsights({ store, motoUrl: () => moto.requireUrl(), logger });
  const withInsights = (logs: Parameters<typeof withSandboxInsights>[0], accountId: string) => withSandboxInsights(logs, insights, accountId);
  // The checks read DescribeQueries through these clients: they must meet the queries the learner ran through the proxy.
  const aws = new AwsSessions({
    ...awsSettings(config),
    credentials: VERILAB_SANDBOX_CREDENTIALS,
    endpoint: () => moto.requireUrl(),
    decorate: (clients) => ({ ...clients, logs: withInsights(clients.logs, clients.accountId), sandbox: true }),
  });
  // What a solution does with Logs Insights must reach Verilab's engine, where the checks look for it.
  const labClients = labClientsFactory({ endpoint: () => moto.requireUrl(), decorateLogs: withInsights, timeoutMs: config.awsTimeoutMs });
  const accounts = new Sandbox({ store, moto, labs, logger, secrets: new SecretBox(deps.sessionSecret), publicUrl: config.publicUrl, onInstanceChange: () => aws.forgetAll() });
  if (moto instanceof ManagedMoto) {
    moto.onRestart = () => {
      aws.forgetAll();
      accounts.motoRestarted();
    };
  }
  const proxy = sandboxProxy({
    lookupKey: (id) => accounts.lookupKey(id),
    motoUrl: () => moto.url(),
    logger,
    requestsPerSecond: config.sandbox.requestsPerSecond,
    // A learner's traffic comes with a little of the internet's: an SSH probe at a public interface, one time in three.
    intercepts: [insightsIntercept(insights), trafficIntercept({ clientsFor: labClients, logger, noise: { random: Math.random, rate: 1 / 3 } })],
    rewrites: [flowLogStatusRewrite(labClients)],
  });
  return { moto, accounts, aws, insights, solvers, labClients, proxy };
}
