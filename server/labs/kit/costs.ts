// What AWS resources left running cost per hour (us-east-1, on-demand, Linux): for clean-up checks that list what is still there.
// Prices change; these are rounded public list prices, used only to tell a learner roughly what forgetting costs.

/** On-demand Linux instance prices in us-east-1, US dollars per hour, for the small types labs use. */
const INSTANCE_HOURLY: Record<string, number> = {
  't2.nano': 0.0058,
  't2.micro': 0.0116,
  't2.small': 0.023,
  't3.nano': 0.0052,
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3a.micro': 0.0094,
  't4g.nano': 0.0042,
  't4g.micro': 0.0084,
  't4g.small': 0.0168,
};

/** Each public IPv4 address, in use or not, since February 2024. */
export const PUBLIC_IPV4_HOURLY = 0.005;
/** gp3 storage is priced per GB-month; a month is taken as 730 hours. */
export const EBS_GP3_GB_HOURLY = 0.08 / 730;
/** The root volume size the lab's Amazon Linux image uses, when the real size is not known. */
export const DEFAULT_ROOT_GB = 8;

export interface HourlyCost {
  usd: number;
  /** How the figure was reached, for the learner ("t3.micro on-demand", "assumed t3.micro"). */
  basis: string;
}

/** A running instance: its type's price, or a t3.micro's when the type is unknown or not in the table (said so). */
export function runningInstanceHourly(instanceType: string | undefined): HourlyCost {
  const known = instanceType !== undefined ? INSTANCE_HOURLY[instanceType] : undefined;
  if (known !== undefined) return { usd: known, basis: `${instanceType} on-demand` };
  return { usd: INSTANCE_HOURLY['t3.micro'], basis: instanceType ? `${instanceType} (priced as a t3.micro, a lower bound)` : 'priced as a t3.micro' };
}

/** A stopped instance costs only its volumes. */
export function stoppedInstanceHourly(rootGb = DEFAULT_ROOT_GB): HourlyCost {
  return { usd: rootGb * EBS_GP3_GB_HOURLY, basis: `${rootGb} GiB gp3 volume` };
}

/** "$0.0104" for small amounts, "$1.25" for larger ones. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
