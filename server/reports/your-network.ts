// "Your network" on the step pages: the report's diagram, drawn from the evidence of the learner's latest check of each
// step, so it grows as they build and shows what is still missing in the colours of the check results.
import type { Lab } from '../labs/types';
import type { StepProgress } from '../store/progress';
import { networkDiagram } from './diagram';
import type { LabReport, StepEvidence } from './lab-report';

export function yourNetwork(lab: Lab, labReport: LabReport | undefined, rows: StepProgress[]): { svg: string; text: string } | undefined {
  if (!labReport) return undefined;
  const byStep = new Map(rows.map((r) => [r.stepId, r]));
  // In the lab's step order, so the earliest step's evidence of a part is the one drawn.
  const evidence: StepEvidence = Object.fromEntries(lab.steps.filter((s) => byStep.has(s.id)).map((s) => [s.id, byStep.get(s.id)!.latestEvidence]));
  const picture = labReport.picture(evidence, (stepId) => byStep.get(stepId)?.status === 'passed');
  return networkDiagram(picture, { idPrefix: 'your-net-', title: 'Your network' });
}
