// Classes, their join codes, settings, instructors and enrollments.
import { randomInt, randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { compileOnce } from './db';
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
  /** Learners may join with the code or link; closed, both are refused. */
  joiningOpen: boolean;
  /** When the class was archived (read-only, listed apart); null while it is active. */
  archivedAt: string | null;
}

/** Someone who manages a class: its owner (who created it and cannot be removed) or a co-instructor. */
export interface ClassInstructor {
  userId: string;
  name: string;
  email: string;
  owner: boolean;
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

const columns = ['id', 'name', 'lab_id', 'instructor_id', 'join_code', 'created_at', 'allow_skip', 'joining_open', 'archived_at'] as const;
const qualified = columns.map((c) => `classes.${c}` as const);
type ClassRow = Omit<Pick<Database['classes'], (typeof columns)[number]>, 'allow_skip' | 'joining_open'> & { allow_skip: number; joining_open: number };
const toClass = (r: ClassRow): ClassInfo => ({
  id: r.id,
  name: r.name,
  labId: r.lab_id,
  instructorId: r.instructor_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
  allowSkip: Number(r.allow_skip) === 1,
  joiningOpen: Number(r.joining_open) === 1,
  archivedAt: r.archived_at ?? null,
});

/** The one rule of who manages a class: its owner, or one of its co-instructors. */
function managedBy(eb: ExpressionBuilder<Database, 'classes'>, userId: string) {
  return eb.or([
    eb('classes.instructor_id', '=', userId),
    eb.exists(eb.selectFrom('class_instructors').select('class_instructors.user_id').whereRef('class_instructors.class_id', '=', 'classes.id').where('class_instructors.user_id', '=', userId)),
  ]);
}

export function classesRepo(db: Kysely<Database>) {
  // Whether a step page offers Skip: read on every view of one, compiled once.
  const skipRows = compileOnce(db, (userId: string, labId: string) =>
    db.selectFrom('enrollments').innerJoin('classes', 'classes.id', 'enrollments.class_id').select('classes.allow_skip').where('enrollments.user_id', '=', userId).where('classes.lab_id', '=', labId),
  );
  return {
    async create(input: { name: string; labId: string; instructorId: string }): Promise<ClassInfo> {
      // A clash of random codes is rare; the unique index catches it and we draw again.
      for (let attempt = 0; ; attempt++) {
        const row = { id: randomUUID(), name: input.name.trim(), lab_id: input.labId, instructor_id: input.instructorId, join_code: newJoinCode(), created_at: new Date().toISOString() };
        const inserted = await db.insertInto('classes').values(row).onConflict((oc) => oc.column('join_code').doNothing()).returning('id').executeTakeFirst();
        if (inserted) return toClass({ ...row, allow_skip: 0, joining_open: 1, archived_at: null });
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

    /** Every class the instructor manages, as owner or co-instructor, archived ones included (the page lists them apart). */
    async listForInstructor(instructorId: string): Promise<(ClassInfo & { members: number })[]> {
      const rows = await db
        .selectFrom('classes')
        .leftJoin('enrollments', 'enrollments.class_id', 'classes.id')
        .select(qualified)
        .select((eb) => eb.fn.count('enrollments.user_id').as('members'))
        .where((eb) => managedBy(eb, instructorId))
        .groupBy(qualified)
        .orderBy('classes.created_at', 'desc')
        .execute();
      return rows.map((r) => ({ ...toClass(r), members: Number(r.members) }));
    },

    async listForLearner(userId: string): Promise<ClassInfo[]> {
      const rows = await db
        .selectFrom('enrollments')
        .innerJoin('classes', 'classes.id', 'enrollments.class_id')
        .select(qualified)
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

    /**
     * The class, when the user manages it (its owner or a co-instructor); undefined otherwise. Every "is this one of my
     * classes" decision goes through here.
     */
    async findManaged(classId: string, userId: string): Promise<ClassInfo | undefined> {
      const row = await db
        .selectFrom('classes')
        .select(qualified)
        .where('classes.id', '=', classId)
        .where((eb) => managedBy(eb, userId))
        .executeTakeFirst();
      return row && toClass(row);
    },

    async setAllowSkip(classId: string, allow: boolean): Promise<void> {
      await db.updateTable('classes').set({ allow_skip: allow ? 1 : 0 }).where('id', '=', classId).execute();
    },

    async rename(classId: string, name: string): Promise<void> {
      await db.updateTable('classes').set({ name: name.trim() }).where('id', '=', classId).execute();
    },

    /** A new join code; the old one stops finding the class at once. */
    async rotateJoinCode(classId: string): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        const code = newJoinCode();
        const taken = await db.selectFrom('classes').select('id').where('join_code', '=', code).executeTakeFirst();
        if (!taken) {
          try {
            await db.updateTable('classes').set({ join_code: code }).where('id', '=', classId).execute();
            return code;
          } catch (err) {
            // Another class drew the same code between the two statements: the unique index refused it; draw again.
            if (attempt > 5) throw err;
            continue;
          }
        }
        if (attempt > 5) throw new Error('could not draw a unique join code');
      }
    },

    async setJoiningOpen(classId: string, open: boolean): Promise<void> {
      await db.updateTable('classes').set({ joining_open: open ? 1 : 0 }).where('id', '=', classId).execute();
    },

    /** Archives the class (read-only, listed apart) or brings it back; archiving twice keeps the first date. */
    async setArchived(classId: string, archived: boolean, at: Date = new Date()): Promise<void> {
      if (!archived) {
        await db.updateTable('classes').set({ archived_at: null }).where('id', '=', classId).execute();
        return;
      }
      await db.updateTable('classes').set({ archived_at: at.toISOString() }).where('id', '=', classId).where('archived_at', 'is', null).execute();
    },

    /** The learner leaves the class; their progress, attempts and reflections are theirs and stay. False when they were not in it. */
    async removeMember(classId: string, userId: string): Promise<boolean> {
      const result = await db.deleteFrom('enrollments').where('class_id', '=', classId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** The owner first, then co-instructors by name. */
    async instructors(classId: string): Promise<ClassInstructor[]> {
      const owner = await db
        .selectFrom('classes')
        .innerJoin('users', 'users.id', 'classes.instructor_id')
        .select(['users.id', 'users.name', 'users.email'])
        .where('classes.id', '=', classId)
        .executeTakeFirst();
      const others = await db
        .selectFrom('class_instructors')
        .innerJoin('users', 'users.id', 'class_instructors.user_id')
        .select(['users.id', 'users.name', 'users.email'])
        .where('class_instructors.class_id', '=', classId)
        .orderBy('users.name')
        .execute();
      return [...(owner ? [{ ...owner, owner: true }] : []), ...others.map((o) => ({ ...o, owner: false }))].map((u) => ({ userId: u.id, name: u.name, email: u.email, owner: u.owner }));
    },

    /** Adds a co-instructor; false when they already manage the class (as owner or co-instructor). The caller checks the role. */
    async addInstructor(classId: string, userId: string): Promise<boolean> {
      const cls = await db.selectFrom('classes').select('instructor_id').where('id', '=', classId).executeTakeFirst();
      if (!cls || cls.instructor_id === userId) return false;
      const inserted = await db
        .insertInto('class_instructors')
        .values({ class_id: classId, user_id: userId, added_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['class_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    /** Removes a co-instructor; the owner is not in this table, so they can never be removed here. */
    async removeInstructor(classId: string, userId: string): Promise<boolean> {
      const result = await db.deleteFrom('class_instructors').where('class_id', '=', classId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Skip is allowed when any class the learner is in for this lab allows it. */
    async skipPolicy(userId: string, labId: string): Promise<SkipPolicy> {
      const rows = await skipRows(userId, labId);
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
