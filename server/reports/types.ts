// The completion report as data: built once from the evidence of the learner's passing attempts, their reflections and
// their flow records, stored as JSON, and rendered as a page, a PDF and a shared page. Nothing here does I/O.

/** How a part of the learner's network stands, in the colours of the check results. */
export type PartState = 'ok' | 'failed' | 'missing';

export interface PictureInstance {
  /** "Instance 1", "Instance 2". */
  label: string;
  id?: string;
  privateIp?: string;
  publicIp?: string;
  state: PartState;
}

export interface PictureVpc {
  /** "VPC 1", "VPC 2". */
  label: string;
  /** The CIDR the lab asks for; shown even before the VPC exists. */
  cidr: string;
  id?: string;
  state: PartState;
  subnet: { id?: string; cidr?: string; routeTableId?: string; state: PartState };
  internetGateway: { id?: string; state: PartState };
  instance: PictureInstance;
  /** The route in this VPC's route table to the other VPC through the peering connection. */
  peeringRoute: { destination?: string; target?: string; state: PartState };
}

/** What the architecture diagram draws: the report's, and the step pages' "Your network". */
export interface NetworkPicture {
  /** VPC 1 then VPC 2. */
  vpcs: [PictureVpc, PictureVpc];
  peering: { id?: string; status?: string; state: PartState };
  /** The flow log on VPC 1 feeding the log group. */
  flowLog: { id?: string; state: PartState };
  logGroup: { name?: string; state: PartState };
  role: { name?: string; state: PartState };
}

export interface ReportReflection {
  prompt: string;
  /** The learner's own words: plain text, escaped wherever it is rendered. */
  text: string;
}

export interface ReportStep {
  id: string;
  number: number;
  title: string;
  /** What the learner built, in sentences made from the evidence. */
  sentences: string[];
  reflections: ReportReflection[];
  /** ISO time of the pass. */
  passedAt: string | null;
  /** Passed by Verilab's solution (Skip) rather than by the learner. */
  skipped: boolean;
}

/** Which of the learner's pings or probes a record shows. */
export type RecordKind = 'failed-private-ping' | 'public-ping' | 'peered-ping' | 'probe' | 'other';

export interface ExplainedRecord {
  kind: RecordKind;
  /** The record as CloudWatch Logs holds it, in the default format. */
  line: string;
  /** The same record in plain words: "1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.13.243 was REJECTED". */
  words: string;
}

export interface Transfer {
  src: string;
  dst: string;
  bytes: number;
}

export interface Report {
  version: 1;
  labId: string;
  labTitle: string;
  learnerName: string;
  learnerEmail: string;
  /** ISO time the report was generated. */
  generatedAt: string;
  /** First check to last pass, in minutes. */
  totalMinutes: number;
  /** Minutes spent checking: gaps of more than ACTIVE_GAP_MINUTES between checks do not count. */
  activeMinutes: number;
  mode: 'aws' | 'sandbox';
  /** The full account id: masked (••••1234) wherever the report is shown. */
  accountId: string;
  region: string;
  intro: { summary: string; reflections: ReportReflection[] };
  steps: ReportStep[];
  network: NetworkPicture;
  records: ExplainedRecord[];
  /** Computed by Verilab from the learner's flow records: bytes summed by source and destination, the 10 largest. */
  topTransfers: Transfer[];
  /** The learner's own Logs Insights query and its result, when Verilab could read them. */
  query?: { queryString: string; logGroupName?: string; ranAt?: string; results: Transfer[] };
}

/** "••••1234": enough for the learner to recognise their account, not enough to name it. */
export function maskAccountId(accountId: string): string {
  return `••••${accountId.slice(-4)}`;
}

/**
 * The value with every occurrence of the account id masked, except in the `accountId` field itself: a default-format
 * flow record carries it in full (its second field), and so do ARNs in the sentences, the diagram or a reflection.
 */
export function withAccountMasked<T>(value: T, accountId: string): T {
  if (accountId.length <= 4) return value;
  const masked = maskAccountId(accountId);
  return JSON.parse(JSON.stringify(value), (key: string, v: unknown) => (typeof v === 'string' && key !== 'accountId' ? v.split(accountId).join(masked) : v)) as T;
}
