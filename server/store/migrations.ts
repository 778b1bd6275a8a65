// The one set of migrations, written with Kysely's schema builder in types both SQLite and PostgreSQL accept.
import type { Kysely, Migration } from 'kysely';

const createdAt = 'text';

export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('classes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('instructor_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('join_code', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('classes_instructor_idx').on('classes').column('instructor_id').execute();

      await db.schema
        .createTable('enrollments')
        .addColumn('class_id', 'text', (c) => c.notNull().references('classes.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('joined_at', createdAt, (c) => c.notNull())
        .addPrimaryKeyConstraint('enrollments_pk', ['class_id', 'user_id'])
        .execute();
      await db.schema.createIndex('enrollments_user_idx').on('enrollments').column('user_id').execute();

      await db.schema
        .createTable('aws_connections')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('role_arn', 'text')
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('verified_at', 'text')
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('step_progress')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('first_attempt_at', 'text', (c) => c.notNull())
        .addColumn('passed_at', 'text')
        .addColumn('attempts_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('latest_evidence', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('step_progress_pk', ['user_id', 'lab_id', 'step_id'])
        .execute();

      await db.schema
        .createTable('attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('checks', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('attempts_user_lab_idx').on('attempts').columns(['user_id', 'lab_id', 'created_at']).execute();

      await db.schema
        .createTable('reflections')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('prompt_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reflections_pk', ['user_id', 'lab_id', 'step_id', 'prompt_id'])
        .execute();
    },
  },
  '0002_sandbox_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sandbox_accounts')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('account_id', 'text', (c) => c.notNull().unique())
        .addColumn('access_key_id', 'text', (c) => c.notNull().unique())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('shell_uid', 'integer', (c) => c.notNull().unique())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('moto_instance', 'text')
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_sandbox_queries': {
    async up(db: Kysely<unknown>) {
      // Keyed by the emulated account, not the learner: a reset gives the learner a new account, and its queries stay
      // with the old one until they expire, as they would in AWS.
      await db.schema
        .createTable('sandbox_queries')
        .addColumn('query_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('query_string', 'text', (c) => c.notNull())
        .addColumn('log_group_names', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint', (c) => c.notNull())
        .addColumn('result_limit', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('results', 'text')
        .addColumn('statistics', 'text')
        .addColumn('events_truncated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failure', 'text')
        .addColumn('created_at', createdAt, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sandbox_queries_account_idx').on('sandbox_queries').columns(['account_id', 'region', 'created_at']).execute();
      await db.schema.createIndex('sandbox_queries_expires_idx').on('sandbox_queries').column('expires_at').execute();
    },
  },
  '0004_skip_steps': {
    async up(db: Kysely<unknown>) {
      // An instructor lets a class skip steps (sandbox mode runs the step's solution); a skipped step stays marked.
      await db.schema.alterTable('classes').addColumn('allow_skip', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('step_progress').addColumn('skipped_at', 'text').execute();
      await db.schema.alterTable('attempts').addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0005_class_settings': {
    async up(db: Kysely<unknown>) {
      // Joining can be closed; an archived class is kept, read-only, out of the active list. Co-instructors manage a class
      // beside its owner (classes.instructor_id), who is never listed here and cannot be removed.
      await db.schema.alterTable('classes').addColumn('joining_open', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('classes').addColumn('archived_at', 'text').execute();
      await db.schema
        .createTable('class_instructors')
        .addColumn('class_id', 'text', (c) => c.notNull().references('classes.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('added_at', createdAt, (c) => c.notNull())
        .addPrimaryKeyConstraint('class_instructors_pk', ['class_id', 'user_id'])
        .execute();
      await db.schema.createIndex('class_instructors_user_idx').on('class_instructors').column('user_id').execute();
    },
  },
  '0006_reports': {
    async up(db: Kysely<unknown>) {
      // A learner's completion report per lab: the document as generated (JSON), and its share link while shared.
      await db.schema
        .createTable('reports')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('generated_at', 'text', (c) => c.notNull())
        .addColumn('share_token', 'text', (c) => c.unique())
        .addColumn('shared_at', 'text')
        .addPrimaryKeyConstraint('reports_pk', ['user_id', 'lab_id'])
        .execute();
    },
  },
};
