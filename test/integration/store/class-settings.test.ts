// The store's class settings and co-instructors, on SQLite and PostgreSQL alike.
import type { Store } from '../../../server/store';
import { openTestStore } from '../../helpers/store';

let store: Store;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ store, close } = await openTestStore());
});
afterEach(() => close());

let n = 0;
const user = async (role: 'learner' | 'instructor' = 'learner', name = `User ${++n}`) => (await store.users.create({ email: `s${++n}@example.com`, name, passwordHash: 'x', role }))!;

describe('store: class settings', () => {
  it('a new class is open for joining, not archived; rename, joining, archive and a new join code are saved', async () => {
    const owner = await user('instructor');
    const cls = await store.classes.create({ name: 'Networking', labId: 'vpc-flow-logs', instructorId: owner.id });
    expect(cls).toMatchObject({ joiningOpen: true, archivedAt: null });
    await store.classes.rename(cls.id, '  Networking 2 ');
    await store.classes.setJoiningOpen(cls.id, false);
    const code = await store.classes.rotateJoinCode(cls.id);
    expect(code).not.toBe(cls.joinCode);
    expect(await store.classes.findByJoinCode(cls.joinCode)).toBeUndefined();
    expect((await store.classes.findByJoinCode(code))?.id).toBe(cls.id);
    await store.classes.setArchived(cls.id, true, new Date('2025-01-01T00:00:00.000Z'));
    await store.classes.setArchived(cls.id, true, new Date('2025-02-01T00:00:00.000Z'));
    expect(await store.classes.findById(cls.id)).toMatchObject({ name: 'Networking 2', joiningOpen: false, archivedAt: '2025-01-01T00:00:00.000Z', joinCode: code });
    await store.classes.setArchived(cls.id, false);
    expect((await store.classes.findById(cls.id))?.archivedAt).toBeNull();
  });

  it('removeMember: the learner leaves, their progress stays; false when they were not in it', async () => {
    const [owner, learner] = [await user('instructor'), await user()];
    const cls = await store.classes.create({ name: 'C', labId: 'vpc-flow-logs', instructorId: owner.id });
    await store.classes.enroll(cls.id, learner.id);
    await store.progress.recordAttempt({ userId: learner.id, labId: 'vpc-flow-logs', stepId: 'vpcs', status: 'passed', checks: [], evidence: {}, durationMs: 1 });
    expect(await store.classes.removeMember(cls.id, learner.id)).toBe(true);
    expect(await store.classes.removeMember(cls.id, learner.id)).toBe(false);
    expect(await store.classes.members(cls.id)).toEqual([]);
    expect(await store.progress.forLearner(learner.id, 'vpc-flow-logs')).toHaveLength(1);
  });

  it('co-instructors: findManaged and listForInstructor include them; the owner is listed first and cannot be removed', async () => {
    const [owner, co, stranger] = [await user('instructor', 'Owen Owner'), await user('instructor', 'Cora Co'), await user('instructor')];
    const cls = await store.classes.create({ name: 'Shared', labId: 'vpc-flow-logs', instructorId: owner.id });
    expect(await store.classes.findManaged(cls.id, co.id)).toBeUndefined();
    expect(await store.classes.addInstructor(cls.id, co.id)).toBe(true);
    expect(await store.classes.addInstructor(cls.id, co.id)).toBe(false);
    expect(await store.classes.addInstructor(cls.id, owner.id)).toBe(false);
    expect((await store.classes.findManaged(cls.id, co.id))?.id).toBe(cls.id);
    expect((await store.classes.findManaged(cls.id, owner.id))?.id).toBe(cls.id);
    expect(await store.classes.findManaged(cls.id, stranger.id)).toBeUndefined();
    expect((await store.classes.listForInstructor(co.id)).map((c) => c.name)).toEqual(['Shared']);
    expect(await store.classes.listForInstructor(stranger.id)).toEqual([]);
    expect((await store.classes.instructors(cls.id)).map((i) => [i.name, i.owner])).toEqual([['Owen Owner', true], ['Cora Co', false]]);
    expect(await store.classes.removeInstructor(cls.id, owner.id)).toBe(false);
    expect(await store.classes.removeInstructor(cls.id, co.id)).toBe(true);
    expect(await store.classes.findManaged(cls.id, co.id)).toBeUndefined();
    expect((await store.classes.findManaged(cls.id, owner.id))?.id).toBe(cls.id);
  });

  it('listForInstructor counts learners once per class, with a co-instructor added', async () => {
    const [owner, co, a, b] = [await user('instructor'), await user('instructor'), await user(), await user()];
    const cls = await store.classes.create({ name: 'Counted', labId: 'vpc-flow-logs', instructorId: owner.id });
    await store.classes.addInstructor(cls.id, co.id);
    await store.classes.enroll(cls.id, a.id);
    await store.classes.enroll(cls.id, b.id);
    expect((await store.classes.listForInstructor(owner.id)).map((c) => c.members)).toEqual([2]);
    expect((await store.classes.listForInstructor(co.id)).map((c) => c.members)).toEqual([2]);
  });
});
