// "Your network" drawings are kept per learner and lab until the learner's step rows change.
import { NetworkDrawings } from '../../../server/reports/your-network';
import type { StepStatusRow } from '../../../server/store/progress';

const row = (stepId: string, over: Partial<StepStatusRow> = {}): StepStatusRow => ({
  stepId,
  status: 'failed',
  attemptsCount: 1,
  updatedAt: '2026-11-28T10:00:00.000Z',
  skippedAt: null,
  ...over,
});

function counter() {
  let n = 0;
  return { draw: async () => ({ svg: `<svg>${++n}</svg>`, text: `drawing ${n}` }), count: () => n };
}

describe('NetworkDrawings', () => {
  it('draws once while the rows stay the same, whatever their order', async () => {
    const drawings = new NetworkDrawings();
    const c = counter();
    const first = await drawings.get('u1', 'lab', [row('vpcs'), row('instances')], c.draw);
    const again = await drawings.get('u1', 'lab', [row('instances'), row('vpcs')], c.draw);
    expect(again).toBe(first);
    expect(c.count()).toBe(1);
  });

  it('draws again when a step is checked again, passes, is skipped or first appears', async () => {
    const drawings = new NetworkDrawings();
    const c = counter();
    await drawings.get('u1', 'lab', [row('vpcs')], c.draw);
    const changes: StepStatusRow[][] = [
      [row('vpcs', { attemptsCount: 2 })],
      [row('vpcs', { attemptsCount: 2, updatedAt: '2026-11-28T10:05:00.000Z' })],
      [row('vpcs', { attemptsCount: 2, updatedAt: '2026-11-28T10:05:00.000Z', status: 'passed' })],
      [row('vpcs', { attemptsCount: 2, updatedAt: '2026-11-28T10:05:00.000Z', status: 'passed', skippedAt: '2026-11-28T10:05:00.000Z' })],
      [row('vpcs', { attemptsCount: 2, updatedAt: '2026-11-28T10:05:00.000Z', status: 'passed', skippedAt: '2026-11-28T10:05:00.000Z' }), row('instances')],
      [],
    ];
    for (const [i, rows] of changes.entries()) {
      const drawing = await drawings.get('u1', 'lab', rows, c.draw);
      expect(drawing?.text).toBe(`drawing ${i + 2}`);
    }
  });

  it('keeps learners and labs apart', async () => {
    const drawings = new NetworkDrawings();
    const c = counter();
    const a = await drawings.get('u1', 'lab', [row('vpcs')], c.draw);
    const b = await drawings.get('u2', 'lab', [row('vpcs')], c.draw);
    const d = await drawings.get('u1', 'other-lab', [row('vpcs')], c.draw);
    expect(new Set([a?.text, b?.text, d?.text]).size).toBe(3);
  });

  it('keeps at most `max` drawings, letting the least recently viewed go first', async () => {
    const drawings = new NetworkDrawings(2);
    const c = counter();
    await drawings.get('u1', 'lab', [], c.draw);
    await drawings.get('u2', 'lab', [], c.draw);
    await drawings.get('u1', 'lab', [], c.draw); // u1 viewed again: u2 is now the oldest
    await drawings.get('u3', 'lab', [], c.draw); // u2 goes
    expect(c.count()).toBe(3);
    await drawings.get('u1', 'lab', [], c.draw);
    expect(c.count()).toBe(3);
    await drawings.get('u2', 'lab', [], c.draw);
    expect(c.count()).toBe(4);
  });
});
