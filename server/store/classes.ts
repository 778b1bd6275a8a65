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
  /** Learners may skip steps (sandbox mode only: Verilab runs the step's solution in their sandbox). */
  allowSkip: boolean;
}

/** Whether a learner may skip steps of a lab: only in a class for that lab whose instructor allows it. */
export type SkipPolicy = 'allowed' | 'not-allowed' | 'no-class';

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

const columns = ['id', 'name', 'lab_id', 'instructor_id', 'join_code', 'created_at', 'allow_skip'] as const;
type ClassRow = Omit<Pick<Database['classes'], (typeof columns)[number]>, 'allow_skip'> & { allow_skip: number };
const toClass = (r: ClassRow): ClassInfo => ({
  id: r.id,
  name: r.name,
  labId: r.lab_id,
  instructorId: r.instructor_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
  allowSkip: Number(r.allow_skip) === 1,
});

export function classesRepo(db: Kysely<Database>) {
  return {
    async create(input: { name: string; labId: string; instructorId: string }): Promise<ClassInfo> {
      // A clash of random codes is rare; the unique index catches it and we draw again.
      for (let attempt = 0; ; attempt++) {
        const row = { id: randomUUID(), name: input.name.trim(), lab_id: input.labId, instructor_id: input.instructorId, join_code: newJoinCode(), created_at: new Date().toISOString() };
        const inserted = await db.insertInto('classes').values(row).onConflict((oc) => oc.column('join_code').doNothing()).returning('id').executeTakeFirst();
        if (inserted) return toClass({ ...row, allow_skip: 0 });
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
        .select(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at', 'classes.allow_skip'])
        .select((eb) => eb.fn.count('enrollments.user_id').as('members'))
        .where('classes.instructor_id', '=', instructorId)
        .groupBy(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at', 'classes.allow_skip'])
        .orderBy('classes.created_at', 'desc')
        .execute();
      return rows.map((r) => ({ ...toClass(r), members: Number(r.members) }));
    },

    async listForLearner(userId: string): Promise<ClassInfo[]> {
      const rows = await db
        .selectFrom('enrollments')
        .innerJoin('classes', 'classes.id', 'enrollments.class_id')
        .select(['classes.id', 'classes.name', 'classes.lab_id', 'classes.instructor_id', 'classes.join_code', 'classes.created_at', 'classes.allow_skip'])
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

    async setAllowSkip(classId: string, allow: boolean): Promise<void> {
      await db.updateTable('classes').set({ allow_skip: allow ? 1 : 0 }).where('id', '=', classId).execute();
    },

    /** Skip is allowed when any class the learner is in for this lab allows it. */
    async skipPolicy(userId: string, labId: string): Promise<SkipPolicy> {
      const rows = await db
        .selectFrom('enrollments')
        .innerJoin('classes', 'classes.id', 'enrollments.class_id')
        .select('classes.allow_skip')
        .where('enrollments.user_id', '=', userId)
        .where('classes.lab_id', '=', labId)
        .execute();
      if (rows.length === 0) return 'no-class';
      return rows.some((r) => Number(r.allow_skip) === 1) ? 'allowed' : 'not-allowed';
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
