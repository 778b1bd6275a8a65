// Sandbox accounts: each learner's emulated account id, access key id, sealed secret and shell uid.
import { sql, type Kysely } from 'kysely';
import { compileOnce } from './db';
import type { Database } from './schema';

export interface SandboxAccountRow {
  userId: string;
  accountId: string;
  accessKeyId: string;
  secretSealed: string;
  shellUid: number;
  region: string;
  motoInstance: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Shell uids start well above any system or login user, so a learner's processes never count against a real user's limits. */
export const FIRST_SHELL_UID = 200_000;

/** Tries at creating one account before giving up: clashes need another process and bad luck, many in a row far more. */
const CREATE_ATTEMPTS = 10;

type Row = Database['sandbox_accounts'];
const toAccount = (r: Row): SandboxAccountRow => ({
  userId: r.user_id,
  accountId: r.account_id,
  accessKeyId: r.access_key_id,
  secretSealed: r.secret_sealed,
  shellUid: Number(r.shell_uid),
  region: r.region,
  motoInstance: r.moto_instance,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewSandboxAccount {
  accountId: string;
  accessKeyId: string;
  secretSealed: string;
  region: string;
}

export function sandboxAccountsRepo(db: Kysely<Database>) {
  // Read on every signed-in page in sandbox mode (is the account still in moto?): compiled once.
  const account = compileOnce(db, (userId: string) => db.selectFrom('sandbox_accounts').selectAll().where('user_id', '=', userId));
  const get = async (userId: string): Promise<SandboxAccountRow | undefined> => {
    const [row] = await account(userId);
    return row && toAccount(row);
  };
  const nextShellUid = sql<number>`(select case when max(shell_uid) >= ${sql.lit(FIRST_SHELL_UID)} then max(shell_uid) + 1 else ${sql.lit(FIRST_SHELL_UID)} end from sandbox_accounts)`;
  let creating: Promise<unknown> = Promise.resolve();

  async function createNow(userId: string, fresh: () => NewSandboxAccount): Promise<SandboxAccountRow> {
    for (let attempt = 1; ; attempt++) {
      const existing = await get(userId);
      if (existing) return existing;
      const values = fresh();
      const now = new Date().toISOString();
      try {
        await db
          .insertInto('sandbox_accounts')
          .values({ user_id: userId, account_id: values.accountId, access_key_id: values.accessKeyId, secret_sealed: values.secretSealed, shell_uid: nextShellUid, region: values.region, moto_instance: null, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('user_id').doNothing())
          .execute();
      } catch (err) {
        if (attempt >= CREATE_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  return {
    get,

    async byAccessKey(accessKeyId: string): Promise<SandboxAccountRow | undefined> {
      const row = await db.selectFrom('sandbox_accounts').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
      return row && toAccount(row);
    },

    /**
     * Creates the learner's account unless one exists, and returns theirs. `fresh` makes new ids for each try, since a
     * clash on the account id, key or shell uid (another learner, another process) is retried with new values.
     *
     * A whole class arrives at once: the next shell uid is worked out inside the INSERT (one statement, so nothing in this
     * process can take the same uid between reading the highest and writing the next), and this process's creations go
     * one at a time. Only another Verilab process on the same PostgreSQL database can still clash; that is retried after a
     * short random wait, so the processes do not clash again in step.
     */
    async create(userId: string, fresh: () => NewSandboxAccount): Promise<SandboxAccountRow> {
      const run = creating.then(() => createNow(userId, fresh));
      creating = run.catch(() => undefined);
      return run;
    },

    /** A new account id and key for the learner (Reset my sandbox); the shell uid and home stay theirs. */
    async replace(userId: string, values: NewSandboxAccount): Promise<SandboxAccountRow | undefined> {
      await db
        .updateTable('sandbox_accounts')
        .set({ account_id: values.accountId, access_key_id: values.accessKeyId, secret_sealed: values.secretSealed, region: values.region, moto_instance: null, updated_at: new Date().toISOString() })
        .where('user_id', '=', userId)
        .execute();
      return get(userId);
    },

    async markPrepared(userId: string, accountId: string, motoInstance: string): Promise<void> {
      await db
        .updateTable('sandbox_accounts')
        .set({ moto_instance: motoInstance, updated_at: new Date().toISOString() })
        .where('user_id', '=', userId)
        .where('account_id', '=', accountId)
        .execute();
    },
  };
}
