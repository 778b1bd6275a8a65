import { checks } from '../../../../labs/vpc-flow-logs/checks';
import { checkContext, loadSnapshot } from '../../../helpers/snapshots';
it('explore', () => {
  for (const f of ['complete', 'empty-account', 'after-ping']) {
    const s = loadSnapshot(`vpc-flow-logs/${f}`);
    for (const [id, c] of Object.entries(checks)) {
      const r = c.run(s, checkContext());
      console.log(`=== ${f} / ${id}: passed=${r.passed}\n` + r.checks.map((l) => `  [${l.ok}] ${l.label}\n     detail: ${l.detail ?? ''}\n     hint: ${l.hint ?? ''}`).join('\n') + (f === 'complete' ? '\n  evidence: ' + JSON.stringify(r.evidence) : ''));
    }
  }
});
