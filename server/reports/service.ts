// Generates and keeps completion reports: reads the store (passing checks, reflections, times) and the learner's account
// (flow records, the Logs Insights query's result), builds the report, stores it. Also the unfinished "progress so far".
import { GetQueryResultsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AppError } from '../errors';
import { accountOfArn } from '../labs/kit/policy';
import type { Logger } from '../logger';
import type { Lab, LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { StoredReport } from '../store/reports';
import type { User } from '../store/users';
import type { AwsClients } from '../verify/aws-session';
import { gatherSnapshot } from '../verify/gather';
import type { FlowRecord } from '../verify/snapshot';
import { buildReport, type ReportInput, type StepPass } from './build';
import type { LabReports } from './lab-report';
import type { Report } from './types';

export const REPORT_MESSAGES = {
  NOT_FINISHED: 'The report is written when every step of the lab has passed. Your progress so far is below.',
} as const;

export interface ReportServiceDeps {
  store: Store;
  labs: LabCatalog;
  labReports: LabReports;
  mode: 'aws' | 'sandbox';
  logger: Logger;
  now?: () => Date;
}

export class ReportService {
  private readonly now: () => Date;

  constructor(private readonly deps: ReportServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get labReports(): LabReports {
    return this.deps.labReports;
  }

  private lab(labId: string): Lab {
    const lab = this.deps.labs.get(labId);
    if (!lab) throw new AppError(404, 'LAB_NOT_FOUND');
    return lab;
  }

  /** True when every step of the lab has passed for the learner. */
  async finished(userId: string, labId: string): Promise<boolean> {
    const lab = this.lab(labId);
    const passed = new Set((await this.deps.store.progress.forLearner(userId, labId)).filter((p) => p.status === 'passed').map((p) => p.stepId));
    return lab.steps.every((s) => passed.has(s.id));
  }

  private async inputs(user: User, lab: Lab): Promise<Omit<ReportInput, 'records' | 'query' | 'accountId' | 'region'>> {
    const { store } = this.deps;
    const [attempts, attemptTimes, reflections] = await Promise.all([store.progress.latestPasses(user.id, lab.id), store.progress.attemptTimes(user.id, lab.id), store.reflections.forLearner(user.id, lab.id)]);
    const passes = new Map<string, StepPass>([...attempts].map(([stepId, a]) => [stepId, { evidence: a.evidence, at: a.createdAt, skipped: a.skipped }]));
    return { lab, learner: { name: user.name, email: user.email }, mode: this.deps.mode, now: this.now(), passes, attemptTimes, reflections, labReport: this.deps.labReports.get(lab.id) };
  }

  /**
   * Writes the learner's report of a finished lab from their account as it is now and stores it, replacing an earlier
   * one. `aws` is the learner's account (the caller has rate-limited the look).
   */
  async generate(user: User, labId: string, aws: AwsClients): Promise<StoredReport> {
    const lab = this.lab(labId);
    if (!(await this.finished(user.id, lab.id))) throw new AppError(409, 'LAB_NOT_FINISHED', REPORT_MESSAGES.NOT_FINISHED);
    const base = await this.inputs(user, lab);
    const evidence = Object.fromEntries(lab.steps.filter((s) => base.passes.has(s.id)).map((s) => [s.id, base.passes.get(s.id)!.evidence]));
    const labStartedAt = await this.deps.store.progress.labStartedAt(user.id, lab.id);
    const [records, query] = await Promise.all([this.records(aws, evidence, labStartedAt), this.query(aws, base.labReport?.queryId(evidence), evidence)]);
    const report = buildReport({ ...base, accountId: aws.accountId, region: aws.region, records, query });
    const stored = await this.deps.store.reports.save(user.id, report);
    this.deps.logger.info({ user: user.id, lab: lab.id, records: records.length }, 'report generated');
    // The class grids open on this learner link to the report as soon as it exists.
    await this.deps.store.events.publish({ userId: user.id, labId: lab.id, at: stored.generatedAt });
    return stored;
  }

  /** The report so far of an unfinished lab: the passed steps' sentences and the reflections, without reading the account. */
  async progressSoFar(user: User, labId: string): Promise<Report> {
    const lab = this.lab(labId);
    const connection = await this.deps.store.connections.get(user.id);
    const sandbox = this.deps.mode === 'sandbox' ? await this.deps.store.sandboxAccounts.get(user.id) : undefined;
    return buildReport({ ...(await this.inputs(user, lab)), accountId: sandbox?.accountId ?? (connection?.roleArn ? accountOfArn(connection.roleArn) : undefined) ?? '', region: sandbox?.region ?? connection?.region ?? lab.defaultRegion, records: [] });
  }

  /** Every flow record since the lab began in the log groups the learner's flow logs deliver to. Unreadable: none. */
  private async records(aws: AwsClients, evidence: Record<string, Record<string, unknown> | undefined>, since: Date | undefined): Promise<FlowRecord[]> {
    const now = this.now();
    const { snapshot } = await gatherSnapshot(aws, ['flowRecords'], { now, declared: {}, recordsSince: since });
    const part = snapshot.flowRecords;
    if (!part?.ok) return [];
    const groupName = evidence['iam-role']?.logGroupName;
    const sets = typeof groupName === 'string' && part.value.some((s) => s.logGroupName === groupName) ? part.value.filter((s) => s.logGroupName === groupName) : part.value;
    return sets.flatMap((s) => s.records);
  }

  /** The learner's Logs Insights query and its result; without it (expired, not readable) the report shows Verilab's table only. */
  private async query(aws: AwsClients, queryId: string | undefined, evidence: Record<string, Record<string, unknown> | undefined>): Promise<ReportInput['query']> {
    const q = evidence.insights?.query as { queryString?: string; logGroupName?: string; createdAt?: string } | undefined;
    if (!queryId || !q?.queryString) return undefined;
    try {
      const out = await aws.logs.send(new GetQueryResultsCommand({ queryId }));
      return { queryString: q.queryString, logGroupName: q.logGroupName, ranAt: q.createdAt, rows: out.results ?? [] };
    } catch (err) {
      this.deps.logger.info({ queryId, error: (err as Error).name }, 'report: query results not readable');
      return { queryString: q.queryString, logGroupName: q.logGroupName, ranAt: q.createdAt, rows: [] };
    }
  }
}
