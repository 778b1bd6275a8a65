// The report's "who sent the most": bytes summed by source and destination, from the learner's flow records or from their own Logs Insights result.
import type { FlowRecord } from '../verify/snapshot';
import type { Transfer } from './types';

/** A cell of a GetQueryResults row, as the SDK returns it (both members optional). */
export interface ResultCell {
  field?: string;
  value?: string;
}

/** The lab's name for the sum; any other numeric field serves when the learner named it differently. */
const SUM_FIELD = 'bytestransferred';
const SRC_FIELD = 'srcaddr';
const DST_FIELD = 'dstaddr';

/** String order by UTF-16 code units, the same on every machine (localeCompare is not). */
const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * What the lab's query computes, `stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc
 * | limit 10`, over the records Verilab read: records without both addresses or a byte count (NODATA, SKIPDATA, custom
 * formats) are left out, as Logs Insights leaves them out of a stats by those fields. Ties go by source, then
 * destination, so the same records always give the same list.
 */
export function topTransfers(records: readonly FlowRecord[], n = 10): Transfer[] {
  const sums = new Map<string, Transfer>();
  for (const r of records) {
    if (r.srcAddr === null || r.dstAddr === null || r.bytes === null) continue;
    const key = `${r.srcAddr} ${r.dstAddr}`;
    const transfer = sums.get(key) ?? { src: r.srcAddr, dst: r.dstAddr, bytes: 0 };
    transfer.bytes += r.bytes;
    sums.set(key, transfer);
  }
  return [...sums.values()].sort((x, y) => y.bytes - x.bytes || byText(x.src, y.src) || byText(x.dst, y.dst)).slice(0, n);
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The learner's own query result as Transfers, in the order the query returned them. Field names are matched without
 * regard to case; the sum is `bytesTransferred` when present, else the first other numeric field that is not a
 * Logs Insights system field (`@ptr`), so `stats sum(bytes) by srcAddr, dstAddr` without an alias works too. Rows
 * without both addresses or a sum are skipped.
 */
export function transfersFromQueryResults(rows: readonly (readonly ResultCell[])[]): Transfer[] {
  const transfers: Transfer[] = [];
  for (const row of rows) {
    const cells = row.filter((c) => c.field !== undefined && !c.field.startsWith('@'));
    const valueOf = (name: string) => cells.find((c) => c.field!.toLowerCase() === name)?.value;
    const src = valueOf(SRC_FIELD);
    const dst = valueOf(DST_FIELD);
    if (!src || !dst) continue;
    const others = cells.filter((c) => ![SRC_FIELD, DST_FIELD].includes(c.field!.toLowerCase()));
    const bytes = numberOf(valueOf(SUM_FIELD)) ?? others.map((c) => numberOf(c.value)).find((n) => n !== undefined);
    if (bytes === undefined) continue;
    transfers.push({ src, dst, bytes });
  }
  return transfers;
}
