// "Your network" on the step pages: the diagram drawn from the evidence of the learner's latest checks, in the colours
// of their results; nothing for a visitor who is not signed in.
import request from 'supertest';
import { createTestContext, makeUser, signedIn, type TestContext } from '../../helpers/app';

const LAB = 'vpc-flow-logs';
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ VERILAB_MODE: 'aws' });
});
afterAll(() => ctx.close());

const panelOf = (html: string) => /<details class="your-network" id="your-network">[\s\S]*?<\/details>/.exec(html)?.[0] ?? '';

describe('Your network', () => {
  it('draws what the latest checks found, marks a failing step\'s part as needing fixing, and the rest as not yet created', async () => {
    const learner = await makeUser(ctx.store, 'learner');
    const agent = await signedIn(ctx.app, learner);
    // Before any check: both VPCs are placeholders with the lab's CIDRs.
    const empty = panelOf((await agent.get(`/labs/${LAB}/steps/vpcs`).expect(200)).text);
    expect(empty).toContain('10.1.0.0/16');
    expect(empty).toContain('No peering connection yet');
    expect(empty).not.toContain('vpc-0');

    await ctx.store.progress.recordAttempt({
      userId: learner.id,
      labId: LAB,
      stepId: 'vpcs',
      status: 'passed',
      checks: [],
      evidence: { vpcA: { vpcId: 'vpc-0aaa1111', cidr: '10.1.0.0/16' }, vpcB: { vpcId: 'vpc-0bbb2222', cidr: '10.2.0.0/16' }, publicSubnetA: { subnetId: 'subnet-0aaa', cidr: '10.1.0.0/24', routeTableId: 'rtb-0aaa', internetGatewayId: 'igw-0aaa' } },
      durationMs: 5,
    });
    // The peering check failed on a connection that is still pending: drawn, and marked as needing fixing.
    await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'peering', status: 'failed', checks: [], evidence: { peering: { peeringId: 'pcx-0pending', status: 'pending-acceptance' } }, durationMs: 5 });
    const page = await agent.get(`/labs/${LAB}/steps/routes`).expect(200);
    const panel = panelOf(page.text);
    for (const id of ['vpc-0aaa1111', 'vpc-0bbb2222', 'subnet-0aaa', 'igw-0aaa', 'pcx-0pending']) expect(panel).toContain(id);
    expect(panel).toContain('needs fixing');
    // VPC 2's subnet was not found: still a dashed placeholder.
    expect(panel).toContain('not yet created');
    expect(panel).toMatch(/<figcaption class="muted">[^<]*VPC 1 \(vpc-0aaa1111, 10\.1\.0\.0\/16\)/);
  });

  it('is not on the page for a visitor who is not signed in', async () => {
    const page = await request(ctx.app).get(`/labs/${LAB}/steps/vpcs`).expect(200);
    expect(page.text).not.toContain('id="your-network"');
  });
});
