// moto server for tests: started on a free loopback port, reset between tests, and clients that act in a chosen account.
import { deployVerifierRole, motoLabClients } from '../../labs/vpc-flow-logs/solve';
import { freePort, startMoto, type MotoProcess } from '../../server/sandbox/moto-process';

export const VERILAB_ACCOUNT = '123456789012'; // moto's default account: where Verilab's own test keys land
export const LEARNER_ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const EXTERNAL_ID = 'verilab-0123456789abcdef0123456789abcdef';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export type Moto = MotoProcess;
export { freePort, startMoto };

/** Points the SDK's standard endpoint variable and Verilab's own credentials at moto. */
export function useMotoEnvironment(moto: Moto): void {
  process.env.AWS_ENDPOINT_URL = moto.url;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = REGION;
  delete process.env.AWS_PROFILE;
}

/** Clients that act directly in `accountId` inside moto: the learner doing the lab. */
export function learnerClients(moto: Moto, accountId = LEARNER_ACCOUNT) {
  return motoLabClients(moto.url, accountId, REGION);
}

/** The learner deploys the real verifier role template with CloudFormation, as the Connect page tells them to. */
export function createVerifierRole(c: ReturnType<typeof learnerClients>, externalId = EXTERNAL_ID, trustedAccountId = VERILAB_ACCOUNT): Promise<string> {
  return deployVerifierRole(c.cloudformation, { externalId, trustedAccountId });
}

/** Starts moto for the test file, points the SDK at it, and resets it before each test; call at the top of the file. */
export function motoForThisFile(): () => Moto {
  let moto: Moto | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    useMotoEnvironment(moto);
  });
  afterAll(() => moto?.stop());
  beforeEach(() => moto!.reset());
  return () => moto!;
}
