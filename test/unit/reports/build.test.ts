// The completion report built from one learner's finished VPC Flow Logs lab: sentences, explained records, top transfers, query result, time taken, network picture, reflections.
import { report as labReport } from '../../../labs/vpc-flow-logs/report';
import { loadLabs } from '../../../server/labs/loader';
import { LABS_DIR } from '../../../server/paths';
import { INTRO_STEP } from '../../../server/labs/types';
import { buildReport, type ReportInput } from '../../../server/reports/build';
import { networkDiagram } from '../../../server/reports/diagram';
import type { NetworkPicture } from '../../../server/reports/types';
import { ACCOUNT, ATTEMPT_TIMES, LOG_GROUP, QUERY, REGION, SCRIPT_REFLECTION, flowRecords, queryResultRows, reflections, stepPasses } from '../../fixtures/report-evidence';

const lab = loadLabs(LABS_DIR, { mode: 'aws' }).get('vpc-flow-logs')!;
const NOW = new Date('2024-06-10T16:45:00.000Z');

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    lab,
    learner: { name: 'Ada Lovelace', email: 'ada@example.com' },
    mode: 'aws',
    accountId: ACCOUNT,
    region: REGION,
    now: NOW,
    passes: stepPasses(),
    attemptTimes: [...ATTEMPT_TIMES],
    reflections: reflections(),
    records: flowRecords(),
    query: { queryString: QUERY, logGroupName: LOG_GROUP, ranAt: '2024-06-10T15:50:12.000Z', rows: queryResultRows() },
    labReport,
    ...overrides,
  };
}

const sentencesOf = (stepId: string, i: ReportInput = input()) => buildReport(i).steps.find((s) => s.id === stepId)!.sentences;

/** The whole network as the fixture evidence shows it, every part in place. */
function completePicture(): NetworkPicture {
  return {
    vpcs: [
      {
        label: 'VPC 1',
        cidr: '10.1.0.0/16',
        id: 'vpc-0a1b2c3d4e5f60001',
        state: 'ok',
        subnet: { id: 'subnet-0a1b2c3d4e5f60011', cidr: '10.1.0.0/24', routeTableId: 'rtb-0a1b2c3d4e5f60021', state: 'ok' },
        internetGateway: { id: 'igw-0a1b2c3d4e5f60031', state: 'ok' },
        instance: { label: 'Instance 1', id: 'i-0a1b2c3d4e5f60041', privateIp: '10.1.0.12', publicIp: '3.85.120.14', state: 'ok' },
        peeringRoute: { destination: '10.2.0.0/16', target: 'pcx-0a1b2c3d4e5f60071', state: 'ok' },
      },
      {
        label: 'VPC 2',
        cidr: '10.2.0.0/16',
        id: 'vpc-0a1b2c3d4e5f60002',
        state: 'ok',
        subnet: { id: 'subnet-0a1b2c3d4e5f60012', cidr: '10.2.0.0/24', routeTableId: 'rtb-0a1b2c3d4e5f60022', state: 'ok' },
        internetGateway: { id: 'igw-0a1b2c3d4e5f60032', state: 'ok' },
        instance: { label: 'Instance 2', id: 'i-0a1b2c3d4e5f60042', privateIp: '10.2.0.7', publicIp: '44.201.17.99', state: 'ok' },
        peeringRoute: { destination: '10.1.0.0/16', target: 'pcx-0a1b2c3d4e5f60071', state: 'ok' },
      },
    ],
    peering: { id: 'pcx-0a1b2c3d4e5f60071', status: 'active', state: 'ok' },
    flowLog: { id: 'fl-0a1b2c3d4e5f60061', state: 'ok' },
    logGroup: { name: 'vpc-flow-logs-lab', state: 'ok' },
    role: { name: 'VPCFlowLogsDeliveryRole', state: 'ok' },
  };
}

/** The <g> of one part of the diagram (the peering box has no nested groups). */
const svgGroup = (svg: string, id: string) => new RegExp(`<g id="${id}">(.*?)</g>`).exec(svg)?.[1] ?? '';

describe('buildReport: a finished VPC Flow Logs lab', () => {
  it('header: the lab, the learner, the account and the time of generation as given', () => {
    const report = buildReport(input());

    expect(report).toMatchObject({
      version: 1,
      labId: 'vpc-flow-logs',
      labTitle: 'VPC Monitoring with Flow Logs',
      learnerName: 'Ada Lovelace',
      learnerEmail: 'ada@example.com',
      generatedAt: '2024-06-10T16:45:00.000Z',
      mode: 'aws',
      accountId: '111122223333',
      region: 'us-east-1',
      intro: {
        summary:
          "Build two VPCs with an EC2 instance in each, record VPC 1's traffic with a flow log in CloudWatch Logs, connect the VPCs with a peering connection, and use Logs Insights to see exactly which traffic flowed.",
        reflections: [],
      },
    });
  });

  it("steps: the lab's eight in its order (not the store's), each with the time of its pass; the skipped one marked skipped", () => {
    const report = buildReport(input());

    expect(report.steps.map((s) => [s.number, s.id, s.title, s.passedAt, s.skipped])).toEqual([
      [1, 'vpcs', 'Create two VPCs with public subnets', '2024-06-10T14:12:00.000Z', false],
      [2, 'instances', 'Launch an instance in each public subnet', '2024-06-10T14:25:00.000Z', false],
      [3, 'flow-logs', 'Create a log group for the flow logs', '2024-06-10T14:31:00.000Z', false],
      [4, 'iam-role', 'Create the delivery role and turn on the flow log', '2024-06-10T14:40:00.000Z', false],
      [5, 'ping', 'Ping instance 2 from instance 1', '2024-06-10T15:30:00.000Z', false],
      [6, 'peering', 'Peer the two VPCs', '2024-06-10T15:36:00.000Z', true],
      [7, 'routes', 'Route traffic through the peering connection', '2024-06-10T15:45:00.000Z', false],
      [8, 'insights', 'Query the flow logs with Logs Insights', '2024-06-10T15:52:40.000Z', false],
    ]);
  });
});

describe('buildReport: the sentences of each step, from its evidence', () => {
  it('vpcs: each VPC with its id and CIDR, its public subnet, route table and internet gateway', () => {
    expect(sentencesOf('vpcs')).toEqual([
      'VPC 1 (vpc-0a1b2c3d4e5f60001, 10.1.0.0/16) has public subnet subnet-0a1b2c3d4e5f60011 (10.1.0.0/24) whose route table rtb-0a1b2c3d4e5f60021 sends 0.0.0.0/0 to igw-0a1b2c3d4e5f60031.',
      'VPC 2 (vpc-0a1b2c3d4e5f60002, 10.2.0.0/16) has public subnet subnet-0a1b2c3d4e5f60012 (10.2.0.0/24) whose route table rtb-0a1b2c3d4e5f60022 sends 0.0.0.0/0 to igw-0a1b2c3d4e5f60032.',
    ]);
  });

  it('instances: each instance with its subnet, addresses and security group', () => {
    expect(sentencesOf('instances').slice(0, 2)).toEqual([
      'Instance 1 (i-0a1b2c3d4e5f60041) is running in subnet subnet-0a1b2c3d4e5f60011 with private IP 10.1.0.12 and public IP 3.85.120.14; security group sg-0a1b2c3d4e5f60051.',
      'Instance 2 (i-0a1b2c3d4e5f60042) is running in subnet subnet-0a1b2c3d4e5f60012 with private IP 10.2.0.7 and public IP 44.201.17.99; security group sg-0a1b2c3d4e5f60052.',
    ]);
  });

  it("instances: instance 2's ICMP rule, named once (the evidence's rule already says where it allows from)", () => {
    // checks.ts writes rule: describeRule(...) = 'all ICMP from 0.0.0.0/0', and source: '0.0.0.0/0'.
    expect(sentencesOf('instances').slice(2)).toEqual(["Instance 2's security group sg-0a1b2c3d4e5f60052 allows all ICMP from 0.0.0.0/0."]);
  });

  it('flow-logs: the log group with its ARN and creation time in UTC', () => {
    expect(sentencesOf('flow-logs')).toEqual([
      "CloudWatch Logs log group vpc-flow-logs-lab (arn:aws:logs:us-east-1:111122223333:log-group:vpc-flow-logs-lab:*), created 2024-06-10 14:29 UTC, receives VPC 1's flow logs.",
    ]);
  });

  it('iam-role: the role and whom it trusts, then the flow log, its interval, destination, role and status', () => {
    expect(sentencesOf('iam-role')).toEqual([
      'IAM role VPCFlowLogsDeliveryRole (arn:aws:iam::111122223333:role/VPCFlowLogsDeliveryRole) trusts vpc-flow-logs.amazonaws.com to assume it, and its policy lets it create log streams and put log events in the log group.',
      'Flow log fl-0a1b2c3d4e5f60061 on VPC 1 records ALL traffic, aggregating every 60 seconds, and delivers to log group vpc-flow-logs-lab with role VPCFlowLogsDeliveryRole. Its status is ACTIVE, delivery SUCCESS.',
    ]);
  });

  it('ping: the private ping counted from its two unanswered records (5 + 3 packets), then the public ping and its reply', () => {
    expect(sentencesOf('ping')).toEqual([
      "Instance 1 (10.1.0.12) pinged instance 2's private IP 10.2.0.7 and no reply came back: VPC 1 had no route to VPC 2. The flow log has 2 records of those requests (8 packets) in vpc-flow-logs-lab.",
      "It then pinged instance 2's public IP 44.201.17.99 over the internet: 1 record of requests and 1 record of replies.",
    ]);
  });

  it('peering: the connection between the two VPC ids, requester and accepter, and its status', () => {
    expect(sentencesOf('peering')).toEqual(['Peering connection pcx-0a1b2c3d4e5f60071 between vpc-0a1b2c3d4e5f60001 (requester) and vpc-0a1b2c3d4e5f60002 (accepter) is active.']);
  });

  it('routes: the route on each side', () => {
    expect(sentencesOf('routes').slice(0, 2)).toEqual([
      "VPC 1's route table rtb-0a1b2c3d4e5f60021 sends 10.2.0.0/16 to pcx-0a1b2c3d4e5f60071.",
      "VPC 2's route table rtb-0a1b2c3d4e5f60022 sends 10.1.0.0/16 to pcx-0a1b2c3d4e5f60071.",
    ]);
  });

  it("routes: the ping again counts only the peered request and its reply, not step 5's unanswered requests also in the evidence", () => {
    // The routes evidence holds every ICMP record between the private addresses: step 5's two unanswered requests
    // (15:26:41, 15:27:41), the peered request and its reply (15:40:41). One request crossed the peering connection.
    expect(sentencesOf('routes').slice(2)).toEqual([
      'With the peering routes in place, instance 1 pinged 10.2.0.7 again: 1 record of requests and 1 record of replies in vpc-flow-logs-lab show the ping crossing the peering connection both ways.',
    ]);
  });

  it('insights: the log group, the time it ran in UTC, that it completed, and the query', () => {
    expect(sentencesOf('insights')).toEqual([
      'A Logs Insights query over vpc-flow-logs-lab ran at 2024-06-10 15:50 UTC and completed: "stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10".',
    ]);
  });
});

describe('buildReport: flow records', () => {
  it('explained records: the first failed private ping, the public ping, the peered request and its reply, the first SSH probe', () => {
    const report = buildReport(input());

    expect(report.records).toEqual([
      {
        kind: 'failed-private-ping',
        line: '2 111122223333 eni-0a1b2c3d4e5f60081 10.1.0.12 10.2.0.7 0 0 1 5 420 1718033201 1718033261 ACCEPT OK',
        words: '5 packets, 420 bytes of ICMP from 10.1.0.12 to 10.2.0.7 were ACCEPTED, between 15:26:41 and 15:27:41 UTC',
      },
      {
        kind: 'public-ping',
        line: '2 111122223333 eni-0a1b2c3d4e5f60081 10.1.0.12 44.201.17.99 0 0 1 5 420 1718033261 1718033321 ACCEPT OK',
        words: '5 packets, 420 bytes of ICMP from 10.1.0.12 to 44.201.17.99 were ACCEPTED, between 15:27:41 and 15:28:41 UTC',
      },
      {
        kind: 'peered-ping',
        line: '2 111122223333 eni-0a1b2c3d4e5f60081 10.1.0.12 10.2.0.7 0 0 1 5 420 1718034041 1718034101 ACCEPT OK',
        words: '5 packets, 420 bytes of ICMP from 10.1.0.12 to 10.2.0.7 were ACCEPTED, between 15:40:41 and 15:41:41 UTC',
      },
      {
        kind: 'peered-ping',
        line: '2 111122223333 eni-0a1b2c3d4e5f60081 10.2.0.7 10.1.0.12 0 0 1 5 420 1718034041 1718034101 ACCEPT OK',
        words: '5 packets, 420 bytes of ICMP from 10.2.0.7 to 10.1.0.12 were ACCEPTED, between 15:40:41 and 15:41:41 UTC',
      },
      {
        kind: 'probe',
        line: '2 111122223333 eni-0a1b2c3d4e5f60081 143.42.1.191 10.1.0.12 51234 22 6 1 44 1718030561 1718030621 REJECT OK',
        words: '1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.0.12 was REJECTED, between 14:42:41 and 14:43:41 UTC',
      },
    ]);
  });

  it('top transfers: bytes summed by source and destination over every record, the 10 largest, ties by source', () => {
    // By hand, from the fixture's records (NODATA and SKIPDATA have no addresses and count for nothing):
    //  1. 52.216.88.14 -> 10.1.0.12     2,100,000 + 870,000 = 2,970,000   (two dnf downloads)
    //  2. 10.1.0.12 -> 52.216.88.14        18,600 +   7,200 =    25,800
    //  3. 10.1.0.12 -> 198.51.100.23        6,840 +   9,800 =    16,640   (two SSH sessions, out)
    //  4. 198.51.100.23 -> 10.1.0.12        5,120 +   4,200 =     9,320   (in)
    //  5. 10.1.0.12 -> 10.2.0.7         420 + 252 + 420     =     1,092   (two failed pings, one peered)
    //  6. 10.1.0.12 -> 44.201.17.99                                  420   three-way tie at 420, by source:
    //  7. 10.2.0.7 -> 10.1.0.12                                      420   "10.1.0.12" < "10.2.0.7" < "44.201.17.99"
    //  8. 44.201.17.99 -> 10.1.0.12                                  420
    //  9. 143.42.1.191 -> 10.1.0.12           44 + 44       =        88   (two SSH probes)
    // 10. 10.1.0.12 -> 162.159.200.1                                  76   tie with 162.159.200.1 -> 10.1.0.12 (76),
    //     which is 11th by source and left out, as is 45.148.10.81 -> 10.1.0.12 (40).
    expect(buildReport(input()).topTransfers).toEqual([
      { src: '52.216.88.14', dst: '10.1.0.12', bytes: 2970000 },
      { src: '10.1.0.12', dst: '52.216.88.14', bytes: 25800 },
      { src: '10.1.0.12', dst: '198.51.100.23', bytes: 16640 },
      { src: '198.51.100.23', dst: '10.1.0.12', bytes: 9320 },
      { src: '10.1.0.12', dst: '10.2.0.7', bytes: 1092 },
      { src: '10.1.0.12', dst: '44.201.17.99', bytes: 420 },
      { src: '10.2.0.7', dst: '10.1.0.12', bytes: 420 },
      { src: '44.201.17.99', dst: '10.1.0.12', bytes: 420 },
      { src: '143.42.1.191', dst: '10.1.0.12', bytes: 88 },
      { src: '10.1.0.12', dst: '162.159.200.1', bytes: 76 },
    ]);
  });

  it("the learner's query: its text, log group and time as given, its result rows as Transfers in the order returned", () => {
    expect(buildReport(input()).query).toEqual({
      queryString: 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10',
      logGroupName: 'vpc-flow-logs-lab',
      ranAt: '2024-06-10T15:50:12.000Z',
      results: [
        { src: '10.1.0.12', dst: '198.51.100.23', bytes: 9800 },
        { src: '198.51.100.23', dst: '10.1.0.12', bytes: 4200 },
        { src: '10.1.0.12', dst: '10.2.0.7', bytes: 1092 },
        { src: '44.201.17.99', dst: '10.1.0.12', bytes: 420 },
        { src: '10.1.0.12', dst: '44.201.17.99', bytes: 420 },
        { src: '10.2.0.7', dst: '10.1.0.12', bytes: 420 },
        { src: '143.42.1.191', dst: '10.1.0.12', bytes: 44 },
      ],
    });
  });

  it('no query read: no query in the report', () => {
    expect(buildReport(input({ query: undefined })).query).toBeUndefined();
  });
});

describe('buildReport: time taken', () => {
  it('total from the first check to the last pass; active leaves out the 30-minute lunch but keeps a 15-minute pause', () => {
    // Checks 14:00, 14:05, 14:12, 14:20, 14:25, 14:31, 14:38, 14:40, 14:55, 15:25, 15:30, 15:36, 15:43, 15:45, 15:52:40,
    // and 16:30 after the last pass (15:52:40, insights), which does not count.
    // Total: 14:00:00 to 15:52:40 = 112 min 40 s, rounded to 113.
    // Active: gaps 5 + 7 + 8 + 5 + 6 + 7 + 2 + 15 (14:40-14:55, not more than ACTIVE_GAP_MINUTES = 15, so it counts)
    //   + 5 + 6 + 7 + 2 + 7 min 40 s = 82 min 40 s, rounded to 83; 14:55-15:25 (30) is a break.
    expect(buildReport(input())).toMatchObject({ totalMinutes: 113, activeMinutes: 83 });
  });
});

describe('buildReport: the network picture', () => {
  it('every part in place: both VPCs with ids and CIDRs, subnets, gateways, instances with IPs, routes, peering, flow log, log group, role', () => {
    expect(buildReport(input()).network).toEqual(completePicture());
  });

  it('the diagram of that picture names both CIDRs, both instance ids and the peering connection id in its drawing', () => {
    const { svg } = networkDiagram(buildReport(input()).network);

    for (const shown of ['10.1.0.0/16', '10.2.0.0/16', 'i-0a1b2c3d4e5f60041', 'i-0a1b2c3d4e5f60042', 'pcx-0a1b2c3d4e5f60071']) {
      expect(svg).toContain(`>${shown}</text>`);
    }
    expect(svgGroup(svg, 'net-peering')).toContain('>pcx-0a1b2c3d4e5f60071</text>');
  });
});

describe('buildReport: a step not passed', () => {
  it('peering not passed: no sentences, passedAt null, not skipped; the picture shows the peering connection missing', () => {
    const report = buildReport(input({ passes: stepPasses(['peering']) }));

    expect(report.steps.find((s) => s.id === 'peering')).toEqual({
      id: 'peering',
      number: 6,
      title: 'Peer the two VPCs',
      sentences: [],
      reflections: [],
      passedAt: null,
      skipped: false,
    });
    expect(report.network).toEqual({ ...completePicture(), peering: { state: 'missing' } });
    const diagram = networkDiagram(report.network);
    expect(diagram.text).toContain('No peering connection yet.');
    expect(svgGroup(diagram.svg, 'net-peering')).not.toContain('pcx-0a1b2c3d4e5f60071');
    expect(svgGroup(diagram.svg, 'net-peering')).toContain('>not yet created</text>');
  });

  it('vpcs not passed: no sentences though later steps name the VPCs; the public subnets and gateways (only step 1 has them) missing', () => {
    const report = buildReport(input({ passes: stepPasses(['vpcs']) }));

    expect(report.steps.find((s) => s.id === 'vpcs')).toMatchObject({ sentences: [], passedAt: null, skipped: false });
    const [vpc1, vpc2] = report.network.vpcs;
    expect([vpc1.id, vpc2.id]).toEqual(['vpc-0a1b2c3d4e5f60001', 'vpc-0a1b2c3d4e5f60002']);
    expect([vpc1.subnet, vpc1.internetGateway, vpc2.subnet, vpc2.internetGateway]).toEqual([{ state: 'missing' }, { state: 'missing' }, { state: 'missing' }, { state: 'missing' }]);
  });

  it('instances not passed: no sentences though the ping and routes evidence name both instances', () => {
    const report = buildReport(input({ passes: stepPasses(['instances']) }));

    expect(report.steps.find((s) => s.id === 'instances')).toMatchObject({ sentences: [], passedAt: null, skipped: false });
  });

  it('routes not passed: no sentences; both peering routes missing', () => {
    const report = buildReport(input({ passes: stepPasses(['routes']) }));

    expect(report.steps.find((s) => s.id === 'routes')).toMatchObject({ sentences: [], passedAt: null, skipped: false });
    const expected = completePicture();
    expected.vpcs[0].peeringRoute = { state: 'missing' };
    expected.vpcs[1].peeringRoute = { state: 'missing' };
    expect(report.network).toEqual(expected);
  });

  it('iam-role not passed: no sentences; the flow log and the role missing, the log group (step 3) still in place', () => {
    const report = buildReport(input({ passes: stepPasses(['iam-role']) }));

    expect(report.steps.find((s) => s.id === 'iam-role')).toMatchObject({ sentences: [], passedAt: null, skipped: false });
    expect(report.network).toEqual({ ...completePicture(), flowLog: { state: 'missing' }, role: { state: 'missing' } });
  });

  it('the last step not passed: the time taken ends at the last pass (routes, 15:45) and later checks do not count', () => {
    // Total 14:00 to 15:45 = 105. Active: 5 + 7 + 8 + 5 + 6 + 7 + 2 + 15 + 5 + 6 + 7 + 2 = 75 (the 30-minute lunch left out).
    expect(buildReport(input({ passes: stepPasses(['insights']) }))).toMatchObject({ totalMinutes: 105, activeMinutes: 75 });
  });
});

describe('buildReport: reflections', () => {
  it("each step's answers under the lab's prompts in the lab's order; blank answers and removed prompts left out", () => {
    const report = buildReport(input());
    const byStep = Object.fromEntries(report.steps.map((s) => [s.id, s.reflections]));

    expect(byStep).toEqual({
      vpcs: [{ prompt: 'What is Amazon VPC?', text: 'My own isolated network in an AWS Region, with address ranges I choose.' }],
      instances: [],
      'flow-logs': [],
      'iam-role': [],
      ping: [
        { prompt: "What did you expect the ping to instance 2's private address to do, what did it actually do, and why?", text: SCRIPT_REFLECTION },
        {
          prompt: "The flow log marks the request to instance 2's private address as ACCEPT. How does that fit with what ping showed you?",
          text: 'ACCEPT means the security group let the request out; nothing came back.',
        },
      ],
      peering: [],
      routes: [],
      insights: [{ prompt: 'Which address pair transferred the most bytes in your results, and what traffic was it?', text: '52.216.88.14 to 10.1.0.12: the dnf update.' }],
    });
  });

  it('a <script> in an answer is kept verbatim as plain text: escaping is the renderers\' job', () => {
    const ping = buildReport(input()).steps.find((s) => s.id === 'ping')!;

    expect(ping.reflections[0].text).toBe('I expected replies. <script>alert(1)</script> It timed out: VPC 1 had no route to 10.2.0.0/16.');
  });
});

describe('buildReport: a lab without a report module', () => {
  it('no sentences and no explained records; every part of the picture missing with the CIDRs the lab asks for; top transfers still summed', () => {
    const report = buildReport(input({ labReport: undefined }));

    expect(report.steps.map((s) => s.sentences)).toEqual([[], [], [], [], [], [], [], []]);
    expect(report.records).toEqual([]);
    expect(report.network.vpcs.map((v) => [v.label, v.cidr, v.state, v.instance.state])).toEqual([
      ['VPC 1', '10.1.0.0/16', 'missing', 'missing'],
      ['VPC 2', '10.2.0.0/16', 'missing', 'missing'],
    ]);
    expect([report.network.peering.state, report.network.flowLog.state, report.network.logGroup.state, report.network.role.state]).toEqual(['missing', 'missing', 'missing', 'missing']);
    expect(report.topTransfers[0]).toEqual({ src: '52.216.88.14', dst: '10.1.0.12', bytes: 2970000 });
  });
});

describe("buildReport: the introduction's reflections", () => {
  it("answers stored under INTRO_STEP appear in intro.reflections with their prompts, in the lab's order; an unknown prompt's left out", () => {
    const [seeing, refused] = lab.reflections;
    const intro = [
      { stepId: INTRO_STEP, promptId: refused.id, text: 'Records marked REJECT, from instance 1 to instance 2.' },
      { stepId: INTRO_STEP, promptId: 'no-longer-asked', text: 'An answer to a prompt the lab dropped.' },
      { stepId: INTRO_STEP, promptId: seeing.id, text: 'A timeout to a database: I only had the application log.' },
      // The same prompt id under a step is that step's answer, not the introduction's.
      { stepId: 'vpcs', promptId: seeing.id, text: 'Not an introduction answer.' },
    ];

    const report = buildReport(input({ reflections: [...reflections(), ...intro] }));

    expect(report.intro.reflections).toEqual([
      { prompt: seeing.prompt, text: 'A timeout to a database: I only had the application log.' },
      { prompt: refused.prompt, text: 'Records marked REJECT, from instance 1 to instance 2.' },
    ]);
    expect(report.intro.summary).toBe(lab.summary);
  });
});
