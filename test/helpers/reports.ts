// A finished completion report, as the store keeps one, for the route tests: what the report pages show and hide.
import type { Report } from '../../server/reports/types';
import type { Store } from '../../server/store';
import type { User } from '../../server/store/users';

/** The full account id the fixture report was checked against: never shown on a shared page. */
export const REPORT_ACCOUNT = '123456789012';

export function fixtureReport(user: Pick<User, 'name' | 'email'>, overrides: Partial<Report> = {}): Report {
  const ok = 'ok' as const;
  return {
    version: 1,
    labId: 'vpc-flow-logs',
    labTitle: 'VPC Monitoring with Flow Logs',
    learnerName: user.name,
    learnerEmail: user.email,
    generatedAt: '2026-03-05T14:03:00.000Z',
    totalMinutes: 125,
    activeMinutes: 71,
    mode: 'sandbox',
    accountId: REPORT_ACCOUNT,
    region: 'us-east-1',
    intro: { summary: 'Build two VPCs and watch their traffic.', reflections: [] },
    steps: [
      { id: 'vpcs', number: 1, title: 'Create two VPCs', sentences: ['VPC 1 (vpc-0aaa, 10.1.0.0/16) has public subnet subnet-0aaa (10.1.0.0/24) whose route table rtb-0aaa sends 0.0.0.0/0 to igw-0aaa.'], reflections: [], passedAt: '2026-03-05T12:10:00.000Z', skipped: false },
      { id: 'iam-role', number: 4, title: 'Let flow logs deliver', sentences: [`IAM role VerilabFlowLogsRole (arn:aws:iam::${REPORT_ACCOUNT}:role/VerilabFlowLogsRole) trusts vpc-flow-logs.amazonaws.com to assume it.`], reflections: [], passedAt: '2026-03-05T12:40:00.000Z', skipped: false },
      {
        id: 'ping',
        number: 5,
        title: 'Ping across',
        sentences: ['Instance 1 (10.1.0.12) pinged 10.2.0.7 and no reply came back.'],
        reflections: [{ prompt: 'Why did the first ping fail?', text: '<script>alert("x")</script> There was no route.' }],
        passedAt: '2026-03-05T13:00:00.000Z',
        skipped: true,
      },
    ],
    network: {
      vpcs: [
        { label: 'VPC 1', cidr: '10.1.0.0/16', id: 'vpc-0aaa', state: ok, subnet: { id: 'subnet-0aaa', cidr: '10.1.0.0/24', state: ok }, internetGateway: { id: 'igw-0aaa', state: ok }, instance: { label: 'Instance 1', id: 'i-0aaa', privateIp: '10.1.0.12', publicIp: '3.3.3.3', state: ok }, peeringRoute: { destination: '10.2.0.0/16', target: 'pcx-0abc', state: ok } },
        { label: 'VPC 2', cidr: '10.2.0.0/16', id: 'vpc-0bbb', state: ok, subnet: { id: 'subnet-0bbb', cidr: '10.2.0.0/24', state: ok }, internetGateway: { id: 'igw-0bbb', state: ok }, instance: { label: 'Instance 2', id: 'i-0bbb', privateIp: '10.2.0.7', publicIp: '4.4.4.4', state: ok }, peeringRoute: { destination: '10.1.0.0/16', target: 'pcx-0abc', state: ok } },
      ],
      peering: { id: 'pcx-0abc', status: 'active', state: ok },
      flowLog: { id: 'fl-0abc', state: ok },
      logGroup: { name: '/verilab/vpc-flow-logs', state: ok },
      role: { name: 'VerilabFlowLogsRole', state: ok },
    },
    records: [
      { kind: 'probe', line: `2 ${REPORT_ACCOUNT} eni-0aaa 143.42.1.191 10.1.0.12 51515 22 6 1 44 1772719500 1772719560 REJECT OK`, words: '1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.0.12 was REJECTED' },
    ],
    topTransfers: [
      { src: '10.1.0.12', dst: '10.2.0.7', bytes: 4200 },
      { src: '10.2.0.7', dst: '10.1.0.12', bytes: 4100 },
    ],
    query: { queryString: 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr', logGroupName: '/verilab/vpc-flow-logs', ranAt: '2026-03-05T14:00:00.000Z', results: [{ src: '10.1.0.12', dst: '10.2.0.7', bytes: 4200 }] },
    ...overrides,
  };
}

/** Stores a finished report for the learner and returns it. */
export async function storeFixtureReport(store: Store, user: User, overrides: Partial<Report> = {}): Promise<Report> {
  const report = fixtureReport(user, overrides);
  await store.reports.save(user.id, report);
  return report;
}
