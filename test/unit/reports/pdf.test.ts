// The report PDF read back with poppler's tools: its words, its order, what a shared copy leaves out, page sizes and embedded fonts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportPdf } from '../../../server/reports/pdf';
import type { PictureVpc, Report, ReportStep, Transfer } from '../../../server/reports/types';

const ACCOUNT_ID = '210987651234';
const EMAIL = 'zoe.angstrom@example.edu';
const SCRIPT = '<script>alert(1)</script>';

const vpc = (n: 1 | 2, cidr: string): PictureVpc => ({
  label: `VPC ${n}`,
  cidr,
  id: `vpc-0${n}a1b2c3d4e5f6a7b8`,
  state: 'ok',
  subnet: { id: `subnet-0${n}11aa22bb33cc44dd`, cidr: cidr.replace('/16', '/24'), routeTableId: `rtb-0${n}9988776655443322`, state: 'ok' },
  internetGateway: { id: `igw-0${n}aabbccddeeff0011`, state: 'ok' },
  instance: { label: `Instance ${n}`, id: `i-0${n}abcdef1234567890`, privateIp: `10.${n}.0.${10 + n}`, publicIp: `54.210.33.${40 + n}`, state: 'ok' },
  peeringRoute: { destination: n === 1 ? '10.2.0.0/16' : '10.1.0.0/16', target: 'pcx-0a1b2c3d4e5f60718', state: 'ok' },
});

const STEP_TITLES = [
  'Create two VPCs with public subnets',
  'Launch an instance in each public subnet',
  'Create a log group for the flow logs',
  'Create the delivery role and turn on the flow log',
  'Ping instance 2 from instance 1',
  'Peer the two VPCs',
  'Route traffic through the peering connection',
  'Query the flow logs with Logs Insights',
];

const step = (title: string, i: number): ReportStep => ({
  id: `step-${i + 1}`,
  number: i + 1,
  title,
  sentences: [`Sentence one of step ${i + 1}: vpc-01a1b2c3d4e5f6a7b8 has the CIDR 10.1.0.0/16.`, `Sentence two of step ${i + 1}: the route table sends 0.0.0.0/0 to igw-01aabbccddeeff0011.`],
  reflections: i === 4 ? [{ prompt: 'Why did the ping to the private address fail?', text: `There was no route between the VPCs. ${SCRIPT}` }] : [],
  passedAt: `2025-03-05T${String(10 + i).padStart(2, '0')}:0${i}:00.000Z`,
  skipped: i === 2,
});

const transfers = (n: number): Transfer[] =>
  Array.from({ length: n }, (_, i) => ({ src: `10.1.0.${11 + i}`, dst: `172.31.${i}.${200 - i}`, bytes: 9_876_543 - i * 654_321 }));

function fixtureReport(overrides: Partial<Report> = {}): Report {
  return {
    version: 1,
    labId: 'vpc-flow-logs',
    labTitle: 'VPC Monitoring with Flow Logs',
    learnerName: 'Zoë Ångström',
    learnerEmail: EMAIL,
    generatedAt: '2025-03-05T17:45:00.000Z',
    totalMinutes: 125,
    activeMinutes: 72,
    mode: 'aws',
    accountId: ACCOUNT_ID,
    region: 'us-east-1',
    intro: {
      summary: 'Build two VPCs with an EC2 instance in each, record VPC 1’s traffic with a flow log, peer the VPCs and query the records.',
      reflections: [{ prompt: 'What do you expect a flow log to show?', text: 'Accepted and rejected packets, with their addresses and ports.' }],
    },
    steps: STEP_TITLES.map(step),
    network: {
      vpcs: [vpc(1, '10.1.0.0/16'), vpc(2, '10.2.0.0/16')],
      peering: { id: 'pcx-0a1b2c3d4e5f60718', status: 'active', state: 'ok' },
      flowLog: { id: 'fl-0123456789abcdef0', state: 'ok' },
      logGroup: { name: 'VPCFlowLogs', state: 'ok' },
      role: { name: 'VPCFlowLogsRole', state: 'ok' },
    },
    records: [
      {
        kind: 'failed-private-ping',
        line: `2 ${ACCOUNT_ID} eni-0a1b2c3d4e5f60718 10.1.0.11 10.2.0.12 0 0 1 3 252 1741190400 1741190460 REJECT OK`,
        words: '3 packets, 252 bytes of ICMP from 10.1.0.11 to 10.2.0.12 were REJECTED',
      },
      {
        kind: 'public-ping',
        line: `2 ${ACCOUNT_ID} eni-0a1b2c3d4e5f60718 10.1.0.11 54.210.33.42 0 0 1 4 336 1741190500 1741190560 ACCEPT OK`,
        words: '4 packets, 336 bytes of ICMP from 10.1.0.11 to 54.210.33.42 were ACCEPTED',
      },
      {
        kind: 'probe',
        line: `2 ${ACCOUNT_ID} eni-0a1b2c3d4e5f60718 143.42.1.191 10.1.0.11 51234 22 6 1 44 1741190600 1741190660 REJECT OK`,
        words: '1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.0.11 was REJECTED',
      },
    ],
    topTransfers: transfers(10),
    query: {
      queryString: 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10',
      logGroupName: 'VPCFlowLogs',
      ranAt: '2025-03-05T17:30:00.000Z',
      results: [
        { src: '10.1.0.11', dst: '10.2.0.12', bytes: 4_200 },
        { src: '10.2.0.12', dst: '10.1.0.11', bytes: 3_900 },
      ],
    },
    ...overrides,
  };
}

const DIAGRAM = {
  svg:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 300">' +
    '<rect x="10" y="10" width="580" height="280" fill="none" stroke="#0f3d66"/>' +
    '<text x="30" y="50" font-family="sans-serif" font-size="16">VPC 1 10.1.0.0/16</text>' +
    '<text x="330" y="50" font-family="sans-serif" font-weight="bold" font-size="16">VPC 2 • 10.2.0.0/16</text>' +
    '</svg>',
  text: 'VPC 1 (10.1.0.0/16) and VPC 2 (10.2.0.0/16), joined by the peering connection pcx-0a1b2c3d4e5f60718.',
};

let dir: string;
let unshared: Buffer;
let shared: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-pdf-'));
  [unshared, shared] = await Promise.all([
    reportPdf(fixtureReport(), DIAGRAM, { size: 'A4', verifyUrl: 'https://verilab.example/reports/verify/abc123' }),
    reportPdf(fixtureReport({ mode: 'sandbox' }), DIAGRAM, { size: 'LETTER', shared: true }),
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function poppler(tool: 'pdftotext' | 'pdfinfo' | 'pdffonts', pdf: Buffer, args: string[] = []): string {
  const file = join(dir, `${++files}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync(`/usr/bin/${tool}`, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
}
const text = (pdf: Buffer) => poppler('pdftotext', pdf, ['-layout']);
const info = (pdf: Buffer, key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(poppler('pdfinfo', pdf))?.[1];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('reportPdf', () => {
  it('any report: is a PDF', () => {
    expect(unshared.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('header: the lab title, the accented name, the date and both times in words', () => {
    const pdf = text(unshared);
    expect(pdf).toContain('VPC Monitoring with Flow Logs');
    expect(pdf).toContain('Zoë Ångström');
    expect(pdf).toContain('Completed 5 March 2025');
    expect(pdf).toContain('Time taken 2 h 05 min');
    expect(pdf).toContain('Active time 1 h 12 min');
    expect(pdf).toContain('AWS, us-east-1');
  });

  it('sections: in the report page\'s order, every step with its sentences and pass time', () => {
    const pdf = text(unshared);
    const order = ['Introduction', ...STEP_TITLES.map((t, i) => `Step ${i + 1}. ${t}`), 'Architecture', 'Flow logs explained', 'Top 10 byte transfers', 'Your Logs Insights query', 'Checked by Verilab'];
    const positions = order.map((s) => pdf.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(pdf).toContain('Sentence two of step 8');
    expect(pdf).toContain('Passed at 5 March 2025, 14:04 UTC');
    expect(pdf).toContain("Passed at 5 March 2025, 12:02 UTC (skipped: passed by Verilab's solution)");
    expect(pdf.match(/skipped: passed by Verilab/g)).toHaveLength(1);
  });

  it('reflections: prompt and answer, markup printed as the characters the learner typed', () => {
    const pdf = text(unshared);
    expect(pdf).toContain('What do you expect a flow log to show?');
    expect(pdf).toContain('Why did the ping to the private address fail?');
    expect(pdf).toContain(SCRIPT);
  });

  it('diagram and records: the diagram\'s own text, its text alternative, each record in words and as its raw line with the account masked', () => {
    const pdf = text(unshared);
    const flat = pdf.replace(/\s+/g, ' ');
    expect(pdf).toContain('VPC 2 • 10.2.0.0/16');
    expect(pdf).toContain('joined by the peering connection pcx-0a1b2c3d4e5f60718');
    for (const record of fixtureReport().records) {
      expect(pdf).toContain(record.words);
      expect(flat).toContain(record.line.replace(ACCOUNT_ID, '••••1234'));
    }
  });

  it('top 10: every row with its rank, source, destination and grouped bytes; the query and its result', () => {
    const pdf = text(unshared);
    fixtureReport().topTransfers.forEach((t, i) => {
      const row = new RegExp(`^\\s*${i + 1}\\s+${escape(t.src)}\\s+${escape(t.dst)}\\s+${escape(t.bytes.toLocaleString('en-US'))}\\s*$`, 'm');
      expect(pdf).toMatch(row);
    });
    expect(pdf).toContain('stats sum(bytes) as bytesTransferred by srcAddr, dstAddr');
    expect(pdf).toMatch(/^\s*srcAddr\s+dstAddr\s+bytesTransferred\s*$/m);
    expect(pdf).toMatch(/^\s*10\.1\.0\.11\s+10\.2\.0\.12\s+4,200\s*$/m);
    expect(pdf).toContain('Over VPCFlowLogs, run 5 March 2025, 17:30 UTC');
  });

  it('verification: the masked account, never the full id, and the kind of account', () => {
    const pdf = text(unshared);
    expect(pdf).toContain('Checked by Verilab against AWS account ••••1234 on 5 March 2025 (AWS)');
    expect(pdf).not.toContain(ACCOUNT_ID);
    expect(pdf).toContain('Verify this report at https://verilab.example/reports/verify/abc123');
    expect(text(shared).replace(/\s+/g, ' ')).toContain('••••1234 on 5 March 2025 (sandbox: an emulated AWS account)');
  });

  it('verify address: an https address is a link; any other scheme prints as text and links nowhere', async () => {
    expect(unshared.toString('latin1')).toContain('/URI (https://verilab.example/reports/verify/abc123)');
    const pdf = await reportPdf(fixtureReport(), DIAGRAM, { size: 'A4', verifyUrl: 'javascript:alert(1)' });
    expect(text(pdf)).toContain('Verify this report at javascript:alert(1)');
    expect(pdf.toString('latin1')).not.toContain('/URI');
  });

  it('shared: leaves out the email and the verify line; unshared: prints the email', () => {
    expect(text(unshared)).toContain(EMAIL);
    const pdf = text(shared);
    expect(pdf).not.toContain(EMAIL);
    expect(pdf).not.toContain('Verify this report');
    expect(pdf).toContain('Zoë Ångström');
    expect(poppler('pdfinfo', shared)).not.toContain(EMAIL);
  });

  it('page size: A4 and LETTER as asked', () => {
    expect(info(unshared, 'Page size')).toMatch(/^595\.\d+ x 841\.\d+ pts/);
    expect(info(shared, 'Page size')).toMatch(/^612 x 792 pts/);
  });

  it('fonts: DejaVu regular, bold and mono, all embedded; none of the standard 14', () => {
    const rows = poppler('pdffonts', unshared).trim().split('\n').slice(2);
    const fonts = rows.map((row) => {
      const [name, ...rest] = row.trim().split(/\s+/);
      // Columns: name type encoding emb sub uni object ID; "TrueType" may be followed by "(CID)".
      const emb = rest[rest.length - 5];
      return { name: name.replace(/^[A-Z]{6}\+/, ''), emb };
    });
    expect(fonts.map((f) => f.name).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSansMono']);
    expect(fonts.every((f) => f.emb === 'yes')).toBe(true);
  });

  it('long content: flows onto further pages, each numbered "Page n of N"', async () => {
    const long = fixtureReport({
      steps: STEP_TITLES.map((t, i) => ({ ...step(t, i), sentences: Array.from({ length: 12 }, (_, j) => `Long sentence ${j + 1} of step ${i + 1}: ${'the route table sends traffic for the other VPC to the peering connection. '.repeat(3)}`) })),
    });
    const pdf = await reportPdf(long, DIAGRAM, { size: 'A4' });
    const pages = Number(info(pdf, 'Pages'));
    expect(pages).toBeGreaterThan(4);
    const words = text(pdf);
    for (let n = 1; n <= pages; n++) expect(words).toContain(`Page ${n} of ${pages}`);
    expect(words).toContain('Long sentence 12 of step 8');
  });

  it('width: a long unbroken address wraps in its column, a diagram sized in pixels scales down; no word runs past the half-inch edge', async () => {
    const wide = `2001:0db8:85a3:0000:0000:8a2e:0370:7334-${'x'.repeat(60)}`;
    // No viewBox: svg-to-pdfkit would draw this 1600 px (1200 pt) wide, its right-hand label far off a 612 pt page.
    const pixels = { svg: '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="400"><text x="1450" y="200" font-size="24">EdgeLabel</text></svg>', text: 'A wide diagram.' };
    const pdf = await reportPdf(fixtureReport({ topTransfers: [{ src: wide, dst: wide, bytes: 12_345_678_901 }, ...transfers(9)] }), pixels, { size: 'LETTER' });
    const boxes = poppler('pdftotext', pdf, ['-bbox']);
    expect(boxes).toContain('>EdgeLabel<');
    const xMax = [...boxes.matchAll(/xMax="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xMax.length).toBeGreaterThan(100);
    expect(Math.max(...xMax)).toBeLessThanOrEqual(612 - 36);
    expect(text(pdf)).toContain('12,345,678,901');
  });
});
