// Measures a learner's home (disk blocks actually used) so a shell can be stopped or started in cleanup mode over quota.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface HomeUsage {
  bytes: number;
  files: number;
  /** The walk stopped at the file cap; treat the home as over quota. */
  truncated: boolean;
  /** The largest files, relative to the home, to name in the over-quota message. */
  largest: { path: string; bytes: number }[];
}

export const MAX_FILES_WALKED = 100_000;

/**
 * Walks without following symbolic links (lstat, and a directory is only entered if lstat says it is one) because the
 * tree belongs to the learner. Counts st_blocks, not st_size, so sparse files cannot hide and tiny files cost their block.
 */
export async function measureHome(home: string, maxFiles = MAX_FILES_WALKED): Promise<HomeUsage> {
  let bytes = 0;
  let files = 0;
  let truncated = false;
  const largest: { path: string; bytes: number }[] = [];
  const stack = [home];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch {
      continue; // removed while we walked, or not a directory any more
    }
    for (const name of entries) {
      if (files >= maxFiles) {
        truncated = true;
        break;
      }
      const full = path.join(dir, name);
      let st;
      try {
        st = await fs.lstat(full);
      } catch {
        continue;
      }
      files += 1;
      const used = st.blocks * 512;
      bytes += used;
      if (st.isDirectory()) stack.push(full);
      else if (st.isFile() && used > 0) rememberLargest(largest, { path: path.relative(home, full), bytes: used });
    }
    if (truncated) break;
  }
  try {
    bytes += (await fs.lstat(home)).blocks * 512;
  } catch {
    // the home itself is checked by the caller
  }
  return { bytes, files, truncated, largest };
}

function rememberLargest(list: { path: string; bytes: number }[], item: { path: string; bytes: number }): void {
  list.push(item);
  list.sort((a, b) => b.bytes - a.bytes);
  if (list.length > 5) list.length = 5;
}

export function overQuota(usage: HomeUsage, quotaBytes: number): boolean {
  return usage.truncated || usage.bytes > quotaBytes;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The sentence shown in the terminal, naming what to delete. */
export function quotaMessage(usage: HomeUsage, quotaBytes: number): string {
  const used = usage.truncated ? `more than ${MAX_FILES_WALKED} files` : `${formatBytes(usage.bytes)} used`;
  const names = usage.largest.map((f) => `  ${formatBytes(f.bytes).padStart(10)}  ~/${f.path}`).join('\r\n');
  return `Your home folder is over its ${formatBytes(quotaBytes)} quota (${used}).` + (names ? `\r\nLargest files:\r\n${names}` : '');
}
