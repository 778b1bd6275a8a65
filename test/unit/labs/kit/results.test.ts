import { choiceNote, choose } from '../../../../server/labs/kit/choose';
import { after, allOf, blocked, firstProblem, found, fromStep, missing, readPart, stepNumbering, stepResult, toLine, unknown } from '../../../../server/labs/kit/results';
import type { AccountSnapshot } from '../../../../server/verify/snapshot';

const numberOf = (id: string) => ({ build: 1, use: 2 })[id] ?? 0;

describe('results', () => {
  it('firstProblem and allOf: a missing piece wins over an unknown one; all found gives the values in order', () => {
    const gone = missing('create it');
    const unsure = unknown('could not read');
    expect(firstProblem([found(1), unsure, gone])).toBe(gone);
    expect(firstProblem([found(1), unsure])).toBe(unsure);
    expect(allOf(found(1), found('a'))).toEqual({ ok: true, value: [1, 'a'], detail: undefined });
    expect(allOf(found(1), unsure)).toBe(unsure);
  });

  it("after: points back to the piece's own step; unknown passes through unchanged", () => {
    expect(after(missing('create the VPC', undefined, 'build'), 'use', numberOf)).toMatchObject({ ok: false, hint: 'Finish step 1 first: create the VPC', pointer: true });
    const unsure = unknown('could not read');
    expect(after(unsure, 'use', numberOf)).toBe(unsure);
  });

  it('blocked: a piece of the same step gets the short hint; one of an earlier step points back', () => {
    expect(blocked(missing('create the role', undefined, 'use'), 'use', 'Create the role first (see above).', numberOf)).toMatchObject({ hint: 'Create the role first (see above).' });
    expect(blocked(missing('create the VPC', undefined, 'build'), 'use', 'x', numberOf)).toMatchObject({ hint: 'Finish step 1 first: create the VPC' });
  });

  it('toLine: ok, missing and unknown lines, without undefined fields', () => {
    expect(toLine('L', found(1, 'there'))).toEqual({ label: 'L', ok: true, detail: 'there' });
    expect(toLine('L', found(1, 'there'), 'better')).toEqual({ label: 'L', ok: true, detail: 'better' });
    expect(toLine('L', missing('do it'))).toEqual({ label: 'L', ok: false, hint: 'do it' });
    expect(toLine('L', unknown('could not'))).toEqual({ label: 'L', ok: 'unknown', detail: 'could not' });
  });

  it('readPart: a denied part is unknown naming the permission; a part not gathered says so', () => {
    const snapshot: AccountSnapshot = { region: 'us-east-1', gatheredAt: '', vpcs: { ok: false, reason: 'the role lacks ec2:DescribeVpcs', permission: 'ec2:DescribeVpcs' } };
    expect(readPart(snapshot, 'vpcs')).toMatchObject({ ok: 'unknown', detail: 'Could not check: could not read VPCs: the role lacks ec2:DescribeVpcs.' });
    expect(readPart(snapshot, 'subnets')).toMatchObject({ ok: 'unknown', detail: 'Could not check: subnets were not read for this check.' });
  });
});

describe('choose', () => {
  const items = [
    { id: 'a', running: false, age: 3 },
    { id: 'b', running: true, age: 1 },
    { id: 'c', running: true, age: 2 },
  ];
  it('the first criterion that differs decides, and the note says why', () => {
    const choice = choose(items, [
      { score: (i) => i.running, because: 'it is running' },
      { score: (i) => i.age, because: 'it is the newest' },
    ])!;
    expect(choice).toEqual({ chosen: items[2], count: 3, because: 'it is the newest' });
    expect(choiceNote(choice, 'things match', (i) => i.id, items)).toBe('3 things match (a, b, c); using c because it is the newest.');
  });

  it('ties keep the input order; one item has no note; none gives undefined', () => {
    expect(choose(items.slice(1), [{ score: (i) => i.running, because: 'x' }])).toMatchObject({ chosen: items[1], because: 'it comes first in the account' });
    expect(choiceNote(choose([items[0]], [])!, 'things', (i) => i.id, [items[0]])).toBeUndefined();
    expect(choose([], [])).toBeUndefined();
  });
});

describe('step numbering from the lab', () => {
  it("numbers by the lab's order, and an id the lab does not list is a mistake that throws", () => {
    const numberOf = stepNumbering(['build', 'use']);
    expect([numberOf('build'), numberOf('use')]).toEqual([1, 2]);
    expect(() => numberOf('clean')).toThrow('step "clean" is not one of the lab\'s steps (build, use)');
  });

  it('fromStep: tags a missing piece with the step that makes it, keeps an existing origin, leaves found and unknown alone', () => {
    expect(fromStep(missing('create it'), 'build')).toMatchObject({ ok: false, origin: 'build' });
    expect(fromStep(missing('create it', undefined, 'use'), 'build')).toMatchObject({ origin: 'use' });
    expect(fromStep(found(1), 'build')).toEqual(found(1));
    expect(fromStep(unknown('could not read'), 'build')).toEqual(unknown('could not read'));
  });
});

describe('stepResult', () => {
  it('passes only when every line is ok: an unknown line does not pass; undefined evidence fields are dropped', () => {
    expect(stepResult([toLine('A', found(1))], { id: 'x', gone: undefined })).toEqual({ passed: true, checks: [{ label: 'A', ok: true }], evidence: { id: 'x' } });
    expect(stepResult([toLine('A', found(1)), toLine('B', unknown('could not read'))], {}).passed).toBe(false);
  });
});
