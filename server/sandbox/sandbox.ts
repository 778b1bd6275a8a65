// Sandbox accounts: created on first need, prepared in moto with the lab's own verifier role, reset on request, and the keys the proxy and shells use.
import fs from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { VERIFIER_TEMPLATE_FILE, type LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { SandboxAccountRow } from '../store/sandbox-accounts';
import type { User } from '../store/users';
import type { LearnerRole } from '../verify/aws-session';
import { roleOf, type AccountSource } from '../verify/engine';
import { newAccessKey, newAccountId, SecretBox, VERILAB_SANDBOX_ACCOUNT, VERILAB_SANDBOX_CREDENTIALS } from './keys';
import type { MotoSource } from './moto-supervisor';
import type { SandboxKey } from './proxy';
import { inMotoAccount } from './moto-process';
import { trustAdmits } from './trust';

export const SANDBOX_MESSAGES = {
  LOST: 'The sandbox server restarted, and everything in the sandboxes was lost, yours included. Your progress and answers are kept. Press Rebuild to where I was, here or on the My sandbox page, and Verilab redoes the steps you had passed in your sandbox.',
  RESET: 'Your sandbox is now a new, empty AWS account. Your progress and answers are kept.',
  NO_TEMPLATE: 'No lab has a verifier role template, so Verilab cannot prepare sandbox accounts.',
  PREPARE_FAILED: 'Verilab could not prepare your sandbox account.',
} as const;

export const VERIFIER_STACK = 'verilab-verifier';

export interface SandboxCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpointUrl: string;
}

export interface SandboxDeps {
  store: Store;
  moto: MotoSource;
  secrets: SecretBox;
  labs: LabCatalog;
  publicUrl: string;
  logger: Logger;
  /** Called when moto lost every account: cached role credentials point at nothing now. */
  onInstanceChange?: () => void;
}

/** How long a process keeps a key it read from the database; a reset in another process is honoured within this. */
const KEY_CACHE_MS = 10_000;

export class Sandbox {
  private readonly preparing = new Map<string, Promise<SandboxAccountRow>>();
  private readonly keyCache = new Map<string, { key?: SandboxKey; at: number }>();
  /**
   * Learners whose sandbox was last found in moto's current instance, and when. A page view asks again only once the
   * instance id itself would be read again from moto (moto's instanceTtlMs), so a learner who reads page after page
   * costs one read in that time, not one a page; a moto restart or a new instance forgets them all.
   */
  private readonly intact = new Map<string, number>();
  private lastInstance?: string;
  readonly region: string;
  private readonly template?: string;

  constructor(private readonly deps: SandboxDeps) {
    const withTemplate = deps.labs.labs.find((l) => fs.existsSync(path.join(l.dir, VERIFIER_TEMPLATE_FILE)));
    this.template = withTemplate && fs.readFileSync(path.join(withTemplate.dir, VERIFIER_TEMPLATE_FILE), 'utf8');
    this.region = withTemplate?.defaultRegion ?? deps.labs.labs[0]?.defaultRegion ?? 'us-east-1';
  }

  /** The endpoint learners give their local CLI and SDKs. */
  endpointUrl(): string {
    return `${this.deps.publicUrl}/sandbox/aws`;
  }

  /** The learner's account row, created (not yet prepared in moto) on first need. */
  account(userId: string): Promise<SandboxAccountRow> {
    return this.deps.store.sandboxAccounts.create(userId, () => this.freshValues());
  }

  private freshValues() {
    const accountId = newAccountId();
    const key = newAccessKey();
    return { accountId, accessKeyId: key.accessKeyId, secretSealed: this.deps.secrets.seal(key.secretAccessKey, key.accessKeyId), region: this.region };
  }

  /** The current moto instance; a change since last time means every sandbox was lost. */
  private async instance(): Promise<string> {
    const id = await this.deps.moto.instance();
    if (this.lastInstance !== undefined && this.lastInstance !== id) {
      this.intact.clear();
      this.deps.onInstanceChange?.();
    }
    this.lastInstance = id;
    return id;
  }

  /** The learner's account, ready in the current moto instance: created if needed, with the verifier role deployed. */
  async prepare(userId: string): Promise<SandboxAccountRow> {
    const instance = await this.instance();
    const row = await this.account(userId);
    if (row.motoInstance === instance) return row;
    let pending = this.preparing.get(userId);
    if (!pending) {
      pending = this.deploy(userId, row, instance).finally(() => this.preparing.delete(userId));
      this.preparing.set(userId, pending);
    }
    return pending;
  }

  /** True (and the account prepared again) when moto lost this learner's sandbox since they last used it; false otherwise, or while moto is down. */
  async recoverLost(userId: string): Promise<boolean> {
    if (!this.deps.moto.url()) return false;
    const seen = this.intact.get(userId);
    if (seen !== undefined && Date.now() - seen < this.deps.moto.instanceTtlMs) return false;
    const row = await this.deps.store.sandboxAccounts.get(userId);
    if (row?.motoInstance) {
      const instance = await this.instance().catch(() => undefined);
      // moto did not answer: nothing is known, so the next page asks again.
      if (!instance) return false;
      if (row.motoInstance !== instance) {
        await this.prepare(userId);
        return true;
      }
    }
    // No sandbox yet, or one in the current instance: a sandbox made from here on is made in the current instance too.
    if (this.intact.size >= 10_000) this.intact.clear();
    this.intact.set(userId, Date.now());
    return false;
  }

  /** moto was restarted: every learner's sandbox is to be checked again at their next page. */
  motoRestarted(): void {
    this.intact.clear();
  }

  async credentials(userId: string): Promise<SandboxCredentials & { shellUid: number }> {
    const row = await this.prepare(userId);
    return {
      accountId: row.accountId,
      accessKeyId: row.accessKeyId,
      secretAccessKey: this.deps.secrets.open(row.secretSealed, row.accessKeyId),
      region: row.region,
      endpointUrl: this.endpointUrl(),
      shellUid: row.shellUid,
    };
  }

  /** A new, empty account and key for the learner. Their progress, answers and shell home stay. */
  async reset(userId: string): Promise<SandboxAccountRow> {
    const before = await this.account(userId);
    await this.deps.store.sandboxAccounts.replace(userId, this.freshValues());
    this.keyCache.delete(before.accessKeyId);
    this.deps.logger.info({ user: userId, from: before.accountId }, 'sandbox: reset');
    return this.prepare(userId);
  }

  /** The proxy's key lookup: the learner's account and plain secret, cached briefly so a call does not cost a database read. */
  async lookupKey(accessKeyId: string): Promise<SandboxKey | undefined> {
    const hit = this.keyCache.get(accessKeyId);
    if (hit && Date.now() - hit.at < KEY_CACHE_MS) return hit.key;
    const row = await this.deps.store.sandboxAccounts.byAccessKey(accessKeyId);
    let key: SandboxKey | undefined;
    if (row) {
      try {
        key = { accessKeyId, secretAccessKey: this.deps.secrets.open(row.secretSealed, accessKeyId), accountId: row.accountId, userId: row.userId };
      } catch (err) {
        // Sealed under another SESSION_SECRET: the key cannot be verified, so it is refused like an unknown one.
        this.deps.logger.error({ err, accessKeyId }, 'sandbox: a stored secret could not be opened (was SESSION_SECRET changed?)');
      }
    }
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(accessKeyId, { key, at: Date.now() });
    return key;
  }

  /** The verification engine's account source in sandbox mode: the learner's sandbox, with Verilab's role checked as AWS would. */
  accounts(): AccountSource {
    return { roleFor: (user: User) => this.roleFor(user) };
  }

  private async roleFor(user: User): Promise<LearnerRole> {
    let row = await this.prepare(user.id);
    let connection = await this.deps.store.connections.get(user.id);
    // moto does not evaluate trust policies; AWS would refuse a role that no longer trusts Verilab, so the sandbox checks
    // it here. A learner can delete or edit the role in their own sandbox: Verilab then puts its role back.
    if (!connection?.roleArn || !(await this.roleTrustsVerilab(row, connection.roleArn, connection.externalId))) {
      this.deps.logger.info({ user: user.id, account: row.accountId }, 'sandbox: the verifier role was missing or changed; deploying it again');
      row = await this.deploy(user.id, row, await this.instance());
      connection = await this.deps.store.connections.get(user.id);
    }
    return roleOf(connection!, user);
  }

  private clients(accountId: string, region: string) {
    const config = { region, endpoint: this.deps.moto.requireUrl(), credentials: VERILAB_SANDBOX_CREDENTIALS, maxAttempts: 2 };
    return { cloudformation: inMotoAccount(new CloudFormationClient(config), accountId), iam: inMotoAccount(new IAMClient(config), accountId) };
  }

  private async roleTrustsVerilab(row: SandboxAccountRow, roleArn: string, externalId: string): Promise<boolean> {
    const name = roleArn.split('/').pop()!;
    if (!roleArn.startsWith(`arn:aws:iam::${row.accountId}:`)) return false;
    try {
      const role = await this.clients(row.accountId, row.region).iam.send(new GetRoleCommand({ RoleName: name }));
      return trustAdmits(role.Role?.AssumeRolePolicyDocument ?? '', { accountId: VERILAB_SANDBOX_ACCOUNT, externalId });
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchEntityException' || (err as { name?: string }).name === 'NoSuchEntity') return false;
      throw this.failure(err);
    }
  }

  /** Deploys the lab's verifier-role.yaml into the account with the learner's ExternalId, as a learner would in AWS mode. */
  private async deploy(userId: string, row: SandboxAccountRow, instance: string): Promise<SandboxAccountRow> {
    if (!this.template) throw new AppError(500, 'SANDBOX_NO_TEMPLATE', SANDBOX_MESSAGES.NO_TEMPLATE);
    const connection = await this.deps.store.connections.ensure(userId, { mode: 'sandbox', region: row.region });
    const { cloudformation } = this.clients(row.accountId, row.region);
    let roleArn: string | undefined;
    try {
      const existing = await cloudformation.send(new DescribeStacksCommand({ StackName: VERIFIER_STACK })).then(
        (r) => r.Stacks?.[0],
        () => undefined,
      );
      if (existing && existing.StackStatus !== 'DELETE_COMPLETE') await cloudformation.send(new DeleteStackCommand({ StackName: VERIFIER_STACK }));
      await cloudformation.send(
        new CreateStackCommand({
          StackName: VERIFIER_STACK,
          TemplateBody: this.template,
          Parameters: [
            { ParameterKey: 'TrustedAccountId', ParameterValue: VERILAB_SANDBOX_ACCOUNT },
            { ParameterKey: 'ExternalId', ParameterValue: connection.externalId },
          ],
          Capabilities: ['CAPABILITY_NAMED_IAM'],
        }),
      );
      const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: VERIFIER_STACK }))).Stacks?.[0];
      roleArn = stack?.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue;
      if (stack?.StackStatus !== 'CREATE_COMPLETE' || !roleArn) throw new Error(`verifier stack ended in ${stack?.StackStatus ?? 'no stack'}`);
    } catch (err) {
      throw this.failure(err);
    }
    await this.deps.store.connections.saveRole(userId, { roleArn, region: row.region, accountId: row.accountId, verifiedAt: new Date() });
    await this.deps.store.sandboxAccounts.markPrepared(userId, row.accountId, instance);
    this.deps.logger.info({ user: userId, account: row.accountId }, 'sandbox: account prepared');
    return { ...row, motoInstance: instance };
  }

  private failure(err: unknown): AppError {
    if (err instanceof AppError) return err;
    this.deps.logger.error({ err }, 'sandbox: preparing an account failed');
    return new AppError(503, 'SANDBOX_UNAVAILABLE', SANDBOX_MESSAGES.PREPARE_FAILED, { hint: 'Try again in a moment. If it keeps failing, tell your instructor or operator.', expose: true, cause: err });
  }
}
