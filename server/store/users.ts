// Users and their sign-in sessions.
import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { compileOnce } from './db';
import type { Database, Role } from './schema';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at: string;
}

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, name: r.name, role: r.role, createdAt: r.created_at });

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function usersRepo(db: Kysely<Database>) {
  return {
    /** Returns undefined when the email is already taken (the unique index decides, so two processes cannot race). */
    async create(input: { email: string; name: string; passwordHash: string; role: Role }): Promise<User | undefined> {
      const row = {
        id: randomUUID(),
        email: normaliseEmail(input.email),
        name: input.name.trim(),
        password_hash: input.passwordHash,
        role: input.role,
        created_at: new Date().toISOString(),
      };
      const inserted = await db.insertInto('users').values(row).onConflict((oc) => oc.column('email').doNothing()).returning('id').executeTakeFirst();
      return inserted ? toUser(row) : undefined;
    },

    async findById(id: string): Promise<User | undefined> {
      const row = await db.selectFrom('users').select(['id', 'email', 'name', 'role', 'created_at']).where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async findByEmailWithHash(email: string): Promise<(User & { passwordHash: string }) | undefined> {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
      return row && { ...toUser(row), passwordHash: row.password_hash };
    },

    async countByRole(role: Role): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('role', '=', role).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

// The one-shot hash: every signed-in request hashes its session token, and a Hash object costs three times as much.
const hashToken = (token: string) => hash('sha256', token, 'hex');

export function sessionsRepo(db: Kysely<Database>) {
  // Every signed-in request reads its session: compiled once.
  const sessionUser = compileOnce(db, (id: string, now: string) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.created_at'])
      .where('sessions.id', '=', id)
      .where('sessions.expires_at', '>', now),
  );
  return {
    /** Creates a session and returns the token for the cookie; only its hash is stored. */
    async create(userId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      const expiresAt = new Date(now + ttlMs);
      await db
        .insertInto('sessions')
        .values({ id: hashToken(token), user_id: userId, created_at: new Date(now).toISOString(), expires_at: expiresAt.toISOString() })
        .execute();
      return { token, expiresAt };
    },

    async findUser(token: string): Promise<User | undefined> {
      const [row] = await sessionUser(hashToken(token), new Date().toISOString());
      return row && toUser(row);
    },

    async delete(token: string): Promise<void> {
      await db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
    },

    async deleteExpired(): Promise<number> {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
