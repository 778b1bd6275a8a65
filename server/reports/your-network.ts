// "Your network" on the step pages: the report's diagram, drawn from the evidence of the learner's latest check of each
// step, so it grows as they build and shows what is still missing in the colours of the check results.
import type { Lab } from '../labs/types';
import type { StepProgress, StepStatusRow } from '../store/progress';
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

type Drawing = { svg: string; text: string } | undefined;

/**
 * The latest drawing of each learner's network, kept until their progress changes: a step page is viewed far more
 * often than a step is checked, and drawing means parsing every step's evidence and laying out the picture. A drawing
 * is current while the learner's step rows (status, attempt count, last update) are what they were when it was made;
 * those come from the database, so a check recorded by another Verilab process is seen too. The least recently used
 * drawings go first once `max` learners are kept.
 */
export class NetworkDrawings {
  private readonly drawn = new Map<string, { version: string; drawing: Drawing }>();

  constructor(private readonly max = 500) {}

  async get(userId: string, labId: string, statuses: StepStatusRow[], draw: () => Promise<Drawing>): Promise<Drawing> {
    const key = `${userId}\n${labId}`;
    const version = statuses
      .map((s) => `${s.stepId} ${s.status} ${s.attemptsCount} ${s.updatedAt} ${s.skippedAt ?? ''}`)
      .sort()
      .join('\n');
    const kept = this.drawn.get(key);
    this.drawn.delete(key);
    if (kept && kept.version === version) {
      this.drawn.set(key, kept);
      return kept.drawing;
    }
    const drawing = await draw();
    this.drawn.set(key, { version, drawing });
    if (this.drawn.size > this.max) this.drawn.delete(this.drawn.keys().next().value!);
    return drawing;
  }
}
