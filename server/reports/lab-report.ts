// What a lab tells the report: its sentences per step and its network picture, from the evidence of its checks. A lab
// folder's report module (report.ts) exports it as `report`; a lab without one gets a report without those parts.
import { labModulePath } from '../labs/registry';
import type { Lab } from '../labs/types';
import type { NetworkPicture } from './types';

/** Evidence by step id: of the passing attempt for a report, of the latest attempt for "Your network". */
export type StepEvidence = Record<string, Record<string, unknown> | undefined>;

export interface ReportHosts {
  a: { privateIp: string; publicIp?: string };
  b: { privateIp: string; publicIp?: string };
}

export interface LabReport {
  /** What the learner built in the step, in sentences made from the evidence. */
  sentences(stepId: string, evidence: StepEvidence): string[];
  /** The network as the evidence shows it; `passed` says which steps have passed, for the parts' states. */
  picture(evidence: StepEvidence, passed: (stepId: string) => boolean): NetworkPicture;
  /** The two instances whose pings the report explains, when the evidence has them. */
  hosts(evidence: StepEvidence): ReportHosts | undefined;
  /** The learner's Logs Insights query, to read its results. */
  queryId(evidence: StepEvidence): string | undefined;
}

export interface LabReports {
  get(labId: string): LabReport | undefined;
}

/** Loads each lab's report module, when it has one. */
export function loadLabReports(labs: { labs: readonly Lab[] }, load: (lab: Lab) => LabReport | undefined = defaultLoad): LabReports {
  const byLab = new Map<string, LabReport>();
  for (const lab of labs.labs) {
    const report = load(lab);
    if (report) byLab.set(lab.id, report);
  }
  return { get: (labId) => byLab.get(labId) };
}

function defaultLoad(lab: Lab): LabReport | undefined {
  const modulePath = labModulePath(lab, 'report');
  if (!modulePath) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- labs are plugins found at start-up
  return (require(modulePath) as { report?: LabReport }).report;
}
