// Sandbox accounts: each learner's emulated account id, access key id, sealed secret and shell uid.
import type { Kysely } from 'kysely';
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
  const get = async (userId: string): Promise<SandboxAccountRow | undefined> => {
    const row = await db.selectFrom('sandbox_accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && toAccount(row);
  };
  return {
    get,

    async byAccessKey(accessKeyId: string): Promise<SandboxAccountRow | undefined> {
      const row = await db.selectFrom('sandbox_accounts').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
      return row && toAccount(row);
    },

    /**
     * Creates the learner's account unless one exists, and returns theirs. `fresh` makes new ids for each try, since a
     * clash on the account id, key or shell uid (another learner, another process) is retried with new values.
     */
    async create(userId: string, fresh: () => NewSandboxAccount): Promise<SandboxAccountRow> {
      for (let attempt = 0; ; attempt++) {
        const existing = await get(userId);
        if (existing) return existing;
        const values = fresh();
        const now = new Date().toISOString();
        const top = await db.selectFrom('sandbox_accounts').select((eb) => eb.fn.max('shell_uid').as('uid')).executeTakeFirst();
        const shellUid = Math.max(FIRST_SHELL_UID, Number(top?.uid ?? 0) + 1);
        try {
          await db
            .insertInto('sandbox_accounts')
            .values({ user_id: userId, account_id: values.accountId, access_key_id: values.accessKeyId, secret_sealed: values.secretSealed, shell_uid: shellUid, region: values.region, moto_instance: null, created_at: now, updated_at: now })
            .onConflict((oc) => oc.column('user_id').doNothing())
            .execute();
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
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
