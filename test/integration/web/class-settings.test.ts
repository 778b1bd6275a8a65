// Class settings and co-instructors: each works for the class's instructors and is refused to everyone else, with nothing changed.
import request from 'supertest';
import { CLASS_MESSAGES } from '../../../server/web/class-router';
import { SETTINGS_MESSAGES } from '../../../server/web/class-settings-router';
import type { User } from '../../../server/store/users';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

const LAB = 'vpc-flow-logs';
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function classWithLearner() {
  const instructor = await makeUser(ctx.store, 'instructor', 'Ines Owner');
  const learner = await makeUser(ctx.store, 'learner', 'Lena Learner');
  const cls = await ctx.store.classes.create({ name: 'Networking 101', labId: LAB, instructorId: instructor.id });
  await ctx.store.classes.enroll(cls.id, learner.id);
  return { instructor, learner, cls, agent: await signedIn(ctx.app, instructor) };
}

async function post(agent: request.Agent, url: string, body: Record<string, string> = {}, accept = 'text/html') {
  const token = await csrfToken(agent, '/');
  return agent.post(url).type('form').set('Accept', accept).send({ _csrf: token, ...body }).redirects(0);
}

/** Another instructor, a learner of the class and an anonymous visitor: 404, 403 and a sign-in answer, in that order. */
async function strangers(learner: User) {
  return { other: await signedIn(ctx.app, await makeUser(ctx.store, 'instructor')), learner: await signedIn(ctx.app, learner) };
}

async function expectRefused(learner: User, url: string, body: Record<string, string> = {}) {
  const { other, learner: own } = await strangers(learner);
  expect((await post(other, url, body, 'application/json')).status).toBe(404);
  expect((await post(own, url, body, 'application/json')).status).toBe(403);
  const anonymous = request.agent(ctx.app);
  expect((await post(anonymous, url, body, 'application/json')).status).toBe(401);
}

describe('class settings', () => {
  it('rename: saved and shown; a blank or over-long name is a 400 with the reason', async () => {
    const { learner, cls, agent } = await classWithLearner();
    await expectRefused(learner, `/classes/${cls.id}/name`, { name: 'Stolen' });
    expect((await ctx.store.classes.findById(cls.id))?.name).toBe('Networking 101');
    const res = await post(agent, `/classes/${cls.id}/name`, { name: '  Networking 102  ' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/classes/${cls.id}?saved=name#settings`);
    expect((await ctx.store.classes.findById(cls.id))?.name).toBe('Networking 102');
    expect((await agent.get(res.headers.location).expect(200)).text).toContain('Networking 102');
    const blank = await post(agent, `/classes/${cls.id}/name`, { name: '   ' }, 'application/json');
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toBe('Class name is required.');
    expect((await post(agent, `/classes/${cls.id}/name`, { name: 'x'.repeat(101) }, 'application/json')).status).toBe(400);
    expect((await ctx.store.classes.findById(cls.id))?.name).toBe('Networking 102');
  });

  it('a new join code: the old code stops working, the new one joins', async () => {
    const { learner, cls, agent } = await classWithLearner();
    await expectRefused(learner, `/classes/${cls.id}/join-code`);
    expect((await ctx.store.classes.findById(cls.id))?.joinCode).toBe(cls.joinCode);
    const res = await post(agent, `/classes/${cls.id}/join-code`, {}, 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.joinCode).toMatch(/^[A-Z0-9]{8}$/);
    expect(res.body.joinCode).not.toBe(cls.joinCode);
    const newcomer = await signedIn(ctx.app, await makeUser(ctx.store, 'learner'));
    expect((await post(newcomer, '/join', { code: cls.joinCode })).status).toBe(404);
    expect((await newcomer.get(`/join/${cls.joinCode}`)).status).toBe(404);
    expect((await post(newcomer, '/join', { code: res.body.joinCode })).status).toBe(303);
  });

  it('close and open joining: closed, the code and the link refuse newcomers with the reason; open again, they join', async () => {
    const { learner, cls, agent } = await classWithLearner();
    await expectRefused(learner, `/classes/${cls.id}/joining`, {});
    expect((await ctx.store.classes.findById(cls.id))?.joiningOpen).toBe(true);
    expect((await post(agent, `/classes/${cls.id}/joining`, {})).headers.location).toBe(`/classes/${cls.id}?saved=joining#settings`);
    expect((await ctx.store.classes.findById(cls.id))?.joiningOpen).toBe(false);
    const newcomer = await signedIn(ctx.app, await makeUser(ctx.store, 'learner'));
    const refused = await post(newcomer, '/join', { code: cls.joinCode });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(CLASS_MESSAGES.JOINING_CLOSED);
    expect((await newcomer.get(`/join/${cls.joinCode}`)).status).toBe(403);
    // Someone already in the class still sees it as theirs.
    expect((await (await signedIn(ctx.app, learner)).get(`/join/${cls.joinCode}`)).text).toContain('You are already in this class.');
    const bad = await post(agent, `/classes/${cls.id}/joining`, { joiningOpen: 'true' }, 'application/json');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(SETTINGS_MESSAGES.JOINING_INVALID);
    await post(agent, `/classes/${cls.id}/joining`, { joiningOpen: 'yes' });
    expect((await post(newcomer, '/join', { code: cls.joinCode })).status).toBe(303);
  });

  it('Skip is in the settings panel, and saving it still works', async () => {
    const sandbox = await createTestContext({ VERILAB_MODE: 'sandbox' });
    try {
      const instructor = await makeUser(sandbox.store, 'instructor');
      const cls = await sandbox.store.classes.create({ name: 'Sandboxed', labId: LAB, instructorId: instructor.id });
      const agent = await signedIn(sandbox.app, instructor);
      const page = await agent.get(`/classes/${cls.id}`).expect(200);
      expect(page.text).toMatch(/id="settings"[\s\S]*action="\/classes\/[^"]+\/skip"/);
      const token = await csrfToken(agent, '/');
      await agent.post(`/classes/${cls.id}/skip`).type('form').send({ _csrf: token, allowSkip: 'yes' }).expect(303);
      expect((await sandbox.store.classes.findById(cls.id))?.allowSkip).toBe(true);
    } finally {
      await sandbox.close();
    }
  });

  it('remove a learner: a confirmation first; confirmed, they leave the class and keep their progress', async () => {
    const { learner, cls, agent } = await classWithLearner();
    await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [], evidence: {}, durationMs: 5 });
    const url = `/classes/${cls.id}/learners/${learner.id}/remove`;
    await expectRefused(learner, url, { confirm: 'yes' });
    const ask = await post(agent, url);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Remove Lena Learner from Networking 101?');
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(await ctx.store.classes.isMember(cls.id, learner.id)).toBe(true);
    expect((await post(agent, url, {}, 'application/json')).status).toBe(400);
    expect((await post(agent, url, { confirm: 'no' }, 'application/json')).status).toBe(400);
    const done = await post(agent, url, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await ctx.store.classes.isMember(cls.id, learner.id)).toBe(false);
    expect((await ctx.store.progress.forLearner(learner.id, LAB)).map((p) => p.status)).toEqual(['passed']);
    expect(await ctx.store.classes.listForLearner(learner.id)).toEqual([]);
    // Gone from the class: their page is a 404, and removing them again too.
    await agent.get(`/classes/${cls.id}/learners/${learner.id}`).expect(404);
    expect((await post(agent, url, { confirm: 'yes' }, 'application/json')).status).toBe(404);
  });

  it('archive: read-only and listed under Archived; brought back, it changes again', async () => {
    const { learner, cls, agent } = await classWithLearner();
    await expectRefused(learner, `/classes/${cls.id}/archive`, { archived: 'yes' });
    expect((await ctx.store.classes.findById(cls.id))?.archivedAt).toBeNull();
    expect((await post(agent, `/classes/${cls.id}/archive`, { archived: 'maybe' }, 'application/json')).status).toBe(400);
    expect((await post(agent, `/classes/${cls.id}/archive`, { archived: 'yes' })).status).toBe(303);
    expect((await ctx.store.classes.findById(cls.id))?.archivedAt).not.toBeNull();
    const list = (await agent.get('/classes').expect(200)).text;
    expect(list.indexOf('Networking 101')).toBeGreaterThan(list.indexOf('Archived'));
    for (const [path, body] of [['name', { name: 'Changed' }], ['join-code', {}], ['joining', {}], ['skip', { allowSkip: 'yes' }], [`learners/${learner.id}/remove`, { confirm: 'yes' }]] as const) {
      const res = await post(agent, `/classes/${cls.id}/${path}`, body, 'application/json');
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 409, code: 'CLASS_ARCHIVED' });
    }
    const after = await ctx.store.classes.findById(cls.id);
    expect(after).toMatchObject({ name: 'Networking 101', joinCode: cls.joinCode, joiningOpen: true, allowSkip: false });
    expect(await ctx.store.classes.isMember(cls.id, learner.id)).toBe(true);
    // Still readable: the page, the learner and the CSV.
    await agent.get(`/classes/${cls.id}`).expect(200);
    await agent.get(`/classes/${cls.id}/export.csv`).expect(200);
    // Nobody joins an archived class.
    const newcomer = await signedIn(ctx.app, await makeUser(ctx.store, 'learner'));
    expect((await post(newcomer, '/join', { code: cls.joinCode })).status).toBe(403);
    await post(agent, `/classes/${cls.id}/archive`, { archived: 'no' });
    expect((await ctx.store.classes.findById(cls.id))?.archivedAt).toBeNull();
    expect((await post(agent, `/classes/${cls.id}/name`, { name: 'Changed' })).status).toBe(303);
  });
});

describe('co-instructors', () => {
  it('added by email: both see and manage the class; nobody else does', async () => {
    const { learner, cls, agent } = await classWithLearner();
    const co = await makeUser(ctx.store, 'instructor', 'Cora Co');
    await expectRefused(learner, `/classes/${cls.id}/instructors`, { email: co.email });
    expect((await ctx.store.classes.instructors(cls.id)).map((i) => i.name)).toEqual(['Ines Owner']);

    const res = await post(agent, `/classes/${cls.id}/instructors`, { email: `  ${co.email.toUpperCase()} ` });
    expect(res.status).toBe(303);
    expect((await ctx.store.classes.instructors(cls.id)).map((i) => [i.name, i.owner])).toEqual([['Ines Owner', true], ['Cora Co', false]]);

    const coAgent = await signedIn(ctx.app, co);
    expect((await coAgent.get('/classes').expect(200)).text).toContain('Networking 101');
    expect((await coAgent.get(`/classes/${cls.id}`).expect(200)).text).toContain('Cora Co');
    await coAgent.get(`/classes/${cls.id}/learners/${learner.id}`).expect(200);
    await coAgent.get(`/classes/${cls.id}/export.csv`).expect(200);
    expect((await post(coAgent, `/classes/${cls.id}/name`, { name: 'Renamed by Cora' })).status).toBe(303);
    expect((await ctx.store.classes.findById(cls.id))?.name).toBe('Renamed by Cora');
    // A third instructor still sees nothing.
    const stranger = await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'));
    await stranger.get(`/classes/${cls.id}`).expect(404);
    expect((await stranger.get('/classes')).text).not.toContain('Renamed by Cora');
  });

  it('only instructor accounts: a learner\'s email, an unknown one and a malformed one are a 400 with the reason; twice is a 409', async () => {
    const { learner, cls, agent, instructor } = await classWithLearner();
    for (const email of [learner.email, 'nobody@example.com']) {
      const res = await post(agent, `/classes/${cls.id}/instructors`, { email }, 'application/json');
      expect({ email, status: res.status, message: res.body.error.message }).toEqual({ email, status: 400, message: SETTINGS_MESSAGES.NOT_AN_INSTRUCTOR });
    }
    for (const email of ['', 'not an email', 'a@b', 'x'.repeat(400) + '@example.com']) {
      const res = await post(agent, `/classes/${cls.id}/instructors`, { email }, 'application/json');
      expect({ email: email.slice(0, 20), status: res.status }).toEqual({ email: email.slice(0, 20), status: 400 });
    }
    expect((await post(agent, `/classes/${cls.id}/instructors`, { email: instructor.email }, 'application/json')).status).toBe(409);
    const co = await makeUser(ctx.store, 'instructor');
    await post(agent, `/classes/${cls.id}/instructors`, { email: co.email });
    expect((await post(agent, `/classes/${cls.id}/instructors`, { email: co.email }, 'application/json')).status).toBe(409);
    expect(await ctx.store.classes.instructors(cls.id)).toHaveLength(2);
  });

  it('removing a co-instructor: they lose the class; the owner cannot be removed, by anyone', async () => {
    const { learner, cls, agent, instructor } = await classWithLearner();
    const co = await makeUser(ctx.store, 'instructor');
    await ctx.store.classes.addInstructor(cls.id, co.id);
    const coAgent = await signedIn(ctx.app, co);
    await expectRefused(learner, `/classes/${cls.id}/instructors/${co.id}/remove`);
    for (const who of [agent, coAgent]) {
      const res = await post(who, `/classes/${cls.id}/instructors/${instructor.id}/remove`, {}, 'application/json');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(SETTINGS_MESSAGES.OWNER_STAYS);
    }
    expect((await post(agent, `/classes/${cls.id}/instructors/${learner.id}/remove`, {}, 'application/json')).status).toBe(404);
    expect((await post(agent, `/classes/${cls.id}/instructors/${co.id}/remove`)).status).toBe(303);
    await coAgent.get(`/classes/${cls.id}`).expect(404);
    expect((await ctx.store.classes.instructors(cls.id)).map((i) => i.userId)).toEqual([instructor.id]);
  });

  it('a co-instructor may leave on their own and is sent back to their list', async () => {
    const { cls } = await classWithLearner();
    const co = await makeUser(ctx.store, 'instructor');
    await ctx.store.classes.addInstructor(cls.id, co.id);
    const coAgent = await signedIn(ctx.app, co);
    const res = await post(coAgent, `/classes/${cls.id}/instructors/${co.id}/remove`);
    expect(res.headers.location).toBe('/classes');
    await coAgent.get(`/classes/${cls.id}`).expect(404);
  });
});
