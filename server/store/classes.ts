// Classes, their join codes and enrollments.
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface ClassInfo {
  id: string;
  name: string;
  labId: string;
  instructorId: string;
  joinCode: string;
  createdAt: string;
}

export interface Member {
  userId: string;
  name: string;
  email: string;
  joinedAt: string;
}

// No 0/O, 1/I/L: join codes are read aloud and typed from a projector.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const JOIN_CODE_LENGTH = 8;

export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function normaliseJoinCode(code: string): string {
  return code.trim().toUpperCase().replace(/[\s-]/g, '');
}

const columns = ['id', 'name', 'lab_id', 'instructor_id', 'join_code', 'created_at'] as const;
type ClassRow = Pick<Database['classes'], (typeof columns)[number]>;
const toClass = (r: ClassRow): ClassInfo => ({
  id: r.id,
  name: r.name,
  labId: r.lab_id,
  instructorId: r.instructor_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
});

export function classesRepo(db: Kysely<Database>) {
  return {
    async create(input: { name: string; labId: string; instructorId: string }): Promise<ClassInfo> {
      // A clash of random codes is rare; the unique index catches it and we draw again.
      for (let attempt = 0; ; attempt++) {
        const row = { id: randomUUID(), name: input.name.trim(), lab_id: input.labId, instructor_id: input.instructorId, join_code: newJoinCode(), created_at: new Date().toISOString() };
        const inserted = await db.insertInto('classes').values(row).onConflict((oc) => oc.column('join_code').doNothing()).returning('id').executeTakeFirst();
        if (inserted) return toClass(row);
        if (attempt > 5) throw new Error('could not draw a unique join code');
      }
    },

    async findById(id: string): Promise<ClassInfo | undefined> {
      const row = await db.selectFrom('classes').select(columns).where('id', '=', id).executeTakeFirst();
      return row && toClass(row);
    },

    async findByJoinCode(code: string): Promise<ClassInfo | undefined> {
      const row = await db.selectFrom('classes').select(columns).where('join_code', '=', normaliseJoinCode(code)).executeTakeFirst();
      return row && toClass(row);
    },

    async listForInstructor(instructorId: string): Promise<(ClassInfo & { members: number })[]> {
      const rows = await db
        .selectFrom('classes')
        .leftJoin('enrollments', 'enrollments.class_id', 'classes.id')
        .select(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at'])
        .select((eb) => eb.fn.count('enrollments.user_id').as('members'))
        .where('classes.instructor_id', '=', instructorId)
        .groupBy(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at'])
        .orderBy('classes.created_at', 'desc')
        .execute();
      return rows.map((r) => ({ ...toClass(r), members: Number(r.members) }));
    },

    async listForLearner(userId: string): Promise<ClassInfo[]> {
      const rows = await db
        .selectFrom('enrollments')
        .innerJoin('classes', 'classes.id', 'enrollments.class_id')
        .select(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at'])
        .where('enrollments.user_id', '=', userId)
        .orderBy('enrollments.joined_at', 'desc')
        .execute();
      return rows.map(toClass);
    },

    /** Returns false when the learner was already enrolled. */
    async enroll(classId: string, userId: string): Promise<boolean> {
      const inserted = await db
        .insertInto('enrollments')
        .values({ class_id: classId, user_id: userId, joined_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['class_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    async isMember(classId: string, userId: string): Promise<boolean> {
      const row = await db.selectFrom('enrollments').select('user_id').where('class_id', '=', classId).where('user_id', '=', userId).executeTakeFirst();
      return row !== undefined;
    },

    async members(classId: string): Promise<Member[]> {
      const rows = await db
        .selectFrom('enrollments')
        .innerJoin('users', 'users.id', 'enrollments.user_id')
        .select(['users.id', 'users.name', 'users.email', 'enrollments.joined_at'])
        .where('enrollments.class_id', '=', classId)
        .orderBy('users.name')
        .execute();
      return rows.map((r) => ({ userId: r.id, name: r.name, email: r.email, joinedAt: r.joined_at }));
    },
  };
}
