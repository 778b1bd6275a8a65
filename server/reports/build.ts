// Builds the completion report from what the learner did: the evidence of each step's passing check, their
// reflections, their attempts' times and the flow records in their account. Pure: the caller reads the store and account.
import { INTRO_STEP, type Lab } from '../labs/types';
import type { FlowRecord } from '../verify/snapshot';
import { explainRecords } from './flow-words';
import type { LabReport, StepEvidence } from './lab-report';
import { topTransfers, transfersFromQueryResults } from './top-transfers';
import type { NetworkPicture, Report, ReportReflection } from './types';

/** Checks further apart than this are a break: the time between them is not active time. */
export const ACTIVE_GAP_MINUTES = 15;

const MINUTE = 60_000;

export interface StepPass {
  /** The evidence of the check that passed the step. */
  evidence: Record<string, unknown>;
  /** ISO time of that check. */
  at: string;
  skipped: boolean;
}

export interface ReportInput {
  lab: Lab;
  learner: { name: string; email: string };
  mode: 'aws' | 'sandbox';
  accountId: string;
  region: string;
  now: Date;
  /** The passing check of each passed step, by step id. */
  passes: Map<string, StepPass>;
  /** ISO times of every check the learner ran in the lab. */
  attemptTimes: string[];
  reflections: { stepId: string; promptId: string; text: string }[];
  /** The flow records in the learner's account (the flow log's log group). */
  records: readonly FlowRecord[];
  /** The learner's Logs Insights query and its result rows, when they could be read. */
  query?: { queryString: string; logGroupName?: string; ranAt?: string; rows: { field?: string; value?: string }[][] };
  labReport?: LabReport;
}

/** First check to last pass, and the active part of it: the sum of the gaps between checks no longer than ACTIVE_GAP_MINUTES. */
export function timeTaken(attemptTimes: string[], lastPass: string | undefined): { totalMinutes: number; activeMinutes: number } {
  const times = attemptTimes.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  const end = lastPass ? Date.parse(lastPass) : Math.max(...times);
  const within = times.filter((t) => t <= end).sort((a, b) => a - b);
  if (within.length === 0) return { totalMinutes: 0, activeMinutes: 0 };
  let active = 0;
  for (let i = 1; i < within.length; i++) {
    const gap = within[i] - within[i - 1];
    if (gap <= ACTIVE_GAP_MINUTES * MINUTE) active += gap;
  }
  return { totalMinutes: Math.round((end - within[0]) / MINUTE), activeMinutes: Math.round(active / MINUTE) };
}

/** An empty picture: every part missing, with the CIDRs the lab asks for, for a lab whose report module draws nothing. */
function noPicture(): NetworkPicture {
  const vpc = (label: string, cidr: string, instance: string) => ({
    label,
    cidr,
    state: 'missing' as const,
    subnet: { state: 'missing' as const },
    internetGateway: { state: 'missing' as const },
    instance: { label: instance, state: 'missing' as const },
    peeringRoute: { state: 'missing' as const },
  });
  return {
    vpcs: [vpc('VPC 1', '10.1.0.0/16', 'Instance 1'), vpc('VPC 2', '10.2.0.0/16', 'Instance 2')],
    peering: { state: 'missing' },
    flowLog: { state: 'missing' },
    logGroup: { state: 'missing' },
    role: { state: 'missing' },
  };
}

export function buildReport(input: ReportInput): Report {
  const { lab, passes, labReport } = input;
  // In the lab's step order: a part is drawn and described from the earliest step whose evidence has it.
  const evidence: StepEvidence = Object.fromEntries(lab.steps.filter((s) => passes.has(s.id)).map((s) => [s.id, passes.get(s.id)!.evidence]));
  const answers = (stepId: string, prompts: { id: string; prompt: string }[]): ReportReflection[] =>
    prompts.flatMap((p) => {
      const answer = input.reflections.find((r) => r.stepId === stepId && r.promptId === p.id);
      return answer?.text.trim() ? [{ prompt: p.prompt, text: answer.text }] : [];
    });
  const lastPass = [...passes.values()].map((p) => p.at).sort().at(-1);
  const hosts = labReport?.hosts(evidence);
  return {
    version: 1,
    labId: lab.id,
    labTitle: lab.title,
    learnerName: input.learner.name,
    learnerEmail: input.learner.email,
    generatedAt: input.now.toISOString(),
    ...timeTaken(input.attemptTimes, lastPass),
    mode: input.mode,
    accountId: input.accountId,
    region: input.region,
    intro: { summary: lab.summary, reflections: answers(INTRO_STEP, lab.reflections) },
    steps: lab.steps.map((step) => {
      const pass = passes.get(step.id);
      return {
        id: step.id,
        number: step.number,
        title: step.title,
        sentences: pass ? (labReport?.sentences(step.id, evidence) ?? []) : [],
        reflections: answers(step.id, step.reflections),
        passedAt: pass?.at ?? null,
        skipped: pass?.skipped ?? false,
      };
    }),
    network: labReport ? labReport.picture(evidence, (id) => passes.has(id)) : noPicture(),
    records: hosts ? explainRecords(input.records, hosts) : [],
    topTransfers: topTransfers(input.records, 10),
    query: input.query && { queryString: input.query.queryString, logGroupName: input.query.logGroupName, ranAt: input.query.ranAt, results: transfersFromQueryResults(input.query.rows) },
  };
}
