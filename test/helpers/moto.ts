// moto server for tests: started on a free loopback port, reset between tests, and clients that act in a chosen account.
import { deployVerifierRole, motoLabClients } from '../../labs/vpc-flow-logs/solve';
import { freePort, startMoto, type MotoProcess } from '../../server/sandbox/moto-process';
import type { AwsSettings } from '../../server/verify/aws-session';
import { TEST_AWS_CREDENTIALS } from './credentials';

export const VERILAB_ACCOUNT = '123456789012'; // moto's default account: where Verilab's own test keys land
export const LEARNER_ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const EXTERNAL_ID = 'verilab-0123456789abcdef0123456789abcdef';
export const TEST_CREDENTIALS = TEST_AWS_CREDENTIALS;

export type Moto = MotoProcess;
export { freePort, startMoto };

/** How Verilab's own AWS sessions reach moto: its endpoint and the test keys, given explicitly (process.env stays untouched). */
export function motoAwsSettings(moto: Moto): Required<Pick<AwsSettings, 'endpoint' | 'credentials'>> {
  return { endpoint: () => moto.url, credentials: { ...TEST_CREDENTIALS } };
}

/** The SDK's standard variables pointing a `verilab` command (a child process, or runCli's env) at moto with the test keys. */
export function motoCommandEnv(moto: Moto): NodeJS.ProcessEnv {
  return { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: REGION };
}

/** Clients that act directly in `accountId` inside moto: the learner doing the lab. */
export function learnerClients(moto: Moto, accountId = LEARNER_ACCOUNT) {
  return motoLabClients(moto.url, accountId, REGION);
}

/** The learner deploys the real verifier role template with CloudFormation, as the Connect page tells them to. */
export function createVerifierRole(c: ReturnType<typeof learnerClients>, externalId = EXTERNAL_ID, trustedAccountId = VERILAB_ACCOUNT): Promise<string> {
  return deployVerifierRole(c.cloudformation, { externalId, trustedAccountId });
}

/** Starts moto for the test file and resets it before each test; call at the top of the file. */
export function motoForThisFile(): () => Moto {
  let moto: Moto | undefined;
  // moto starts in a second or two; on a loaded machine it can take far longer, and that is not what a test is about.
  beforeAll(async () => {
    moto = await startMoto();
  }, 90_000);
  afterAll(() => moto?.stop());
  beforeEach(() => moto!.reset());
  return () => moto!;
}
