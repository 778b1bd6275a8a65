// Table types for Kysely. Timestamps are ISO-8601 UTC text and JSON is text, so SQLite and PostgreSQL store them alike.
import type { Generated } from 'kysely';

export type Role = 'learner' | 'instructor';
export type StepStatus = 'not-started' | 'passed' | 'failed' | 'unknown';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  created_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the cookie token: a stolen database does not yield live cookies. */
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface ClassesTable {
  id: string;
  name: string;
  lab_id: string;
  instructor_id: string;
  join_code: string;
  created_at: string;
  /** 1 when the instructor lets the class's learners skip steps (sandbox mode runs the step's solution for them). */
  allow_skip: Generated<number>;
  /** 1 while learners may join with the code or link; 0 once the instructor closes joining. */
  joining_open: Generated<number>;
  /** When the class was archived (read-only, out of the active list); null while it is active. */
  archived_at: string | null;
}

/** Co-instructors: they see and manage the class as its owner (classes.instructor_id) does; the owner is not listed here. */
export interface ClassInstructorsTable {
  class_id: string;
  user_id: string;
  added_at: string;
}

export interface EnrollmentsTable {
  class_id: string;
  user_id: string;
  joined_at: string;
}

export interface AwsConnectionsTable {
  user_id: string;
  mode: 'aws' | 'sandbox';
  role_arn: string | null;
  region: string;
  external_id: string;
  account_id: string | null;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface StepProgressTable {
  user_id: string;
  lab_id: string;
  step_id: string;
  status: StepStatus;
  first_attempt_at: string;
  passed_at: string | null;
  attempts_count: number;
  latest_evidence: string;
  updated_at: string;
  /** When the learner skipped the step (Verilab ran its solution, then its check passed); null when they did it themselves. */
  skipped_at: string | null;
}

export interface AttemptsTable {
  id: string;
  user_id: string;
  lab_id: string;
  step_id: string;
  status: StepStatus;
  checks: string;
  evidence: string;
  duration_ms: number;
  created_at: string;
  /** 1 for the check that followed a Skip. */
  skipped: Generated<number>;
}

export interface ReflectionsTable {
  user_id: string;
  lab_id: string;
  step_id: string;
  prompt_id: string;
  text: string;
  updated_at: string;
}

export interface SandboxAccountsTable {
  user_id: string;
  account_id: string;
  access_key_id: string;
  /** AES-256-GCM under a key derived from SESSION_SECRET (server/sandbox/keys.ts); never the plain secret. */
  secret_sealed: string;
  /** The unprivileged uid the learner's cloud shell runs as; unique, so per-uid process limits are per learner. */
  shell_uid: number;
  region: string;
  /** The moto instance the account was last prepared in; another value means moto lost it. */
  moto_instance: string | null;
  created_at: string;
  updated_at: string;
}

export type SandboxQueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout';

/** A Logs Insights query run by Verilab's own engine in a sandbox account (moto's has no stats). */
export interface SandboxQueriesTable {
  query_id: string;
  account_id: string;
  region: string;
  query_string: string;
  /** JSON array of the log group names, as resolved from logGroupName(s) or identifiers. */
  log_group_names: string;
  /** StartQuery's range, epoch seconds. */
  start_time: number;
  end_time: number;
  /** StartQuery's limit; null when not given. */
  result_limit: number | null;
  status: SandboxQueryStatus;
  /** JSON: GetQueryResults' results and statistics, once Complete. */
  results: string | null;
  statistics: string | null;
  /** 1 when the query read only the first events of its range (the sandbox bounds what one query reads). */
  events_truncated: number;
  /** Why a Failed query failed, for the log and the operator; never shown as AWS output. */
  failure: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
}

/** A learner's completion report for a lab, as generated; shared while share_token is set. */
export interface ReportsTable {
  user_id: string;
  lab_id: string;
  /** JSON: the Report (server/reports/types.ts). */
  model: string;
  generated_at: string;
  /** The unguessable part of the public link /r/:token; null when not shared (or revoked). */
  share_token: string | null;
  shared_at: string | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  classes: ClassesTable;
  enrollments: EnrollmentsTable;
  class_instructors: ClassInstructorsTable;
  aws_connections: AwsConnectionsTable;
  step_progress: StepProgressTable;
  attempts: AttemptsTable;
  reflections: ReflectionsTable;
  sandbox_accounts: SandboxAccountsTable;
  sandbox_queries: SandboxQueriesTable;
  reports: ReportsTable;
}
