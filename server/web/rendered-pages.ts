// Rendered pages kept by what they were rendered from, so that a page nobody's data has changed is not rendered again.
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/**
 * Pages kept after rendering, one per person and page, with the CSRF token cut out.
 *
 * A kept page is used again only when everything it was rendered from is the same: every local the view receives,
 * from the request (`res.locals`: who is signed in, notices, whether the shell runs) and from the route, is written
 * into a fingerprint, and a different fingerprint renders the page again. The only exceptions are `fixed` values,
 * such as a lab or one of its steps, which never change while Verilab runs and are written by their id; the route's
 * `slot` must name them. So a page can be no older than the data its route read for this request.
 *
 * The token differs per session and per anonymous visitor, and is put into the kept page where the view wrote it: the
 * view is rendered with a placeholder made of hex digits, which HTML escaping leaves as it is. A page that does not
 * write it is sent as it was kept, byte for byte.
 */
export class RenderedPages {
  private readonly kept = new Map<string, { fingerprint: string; parts: Buffer[]; size: number }>();
  private readonly placeholder = `csrf${randomBytes(16).toString('hex')}`;
  private bytes = 0;

  constructor(
    private readonly options: {
      /** The id a value that never changes is written by in a fingerprint, or undefined for any other value. */
      fixed: (value: unknown) => string | undefined;
      maxPages?: number;
      /** The kept pages' total size in bytes (their fingerprints counted as one byte a character). */
      maxSize?: number;
    },
  ) {}

  /**
   * Sends `view` rendered with `locals`, from the kept copy when nothing it depends on has changed. `slot` names the
   * page (a lab and step, say); the person comes from the request.
   */
  async send(res: Response, view: string, slot: string, locals: Record<string, unknown>): Promise<void> {
    // A string, or a first-time visitor's PendingToken, which makes their cookie when it is written.
    const token: unknown = res.locals.csrfToken;
    if (!token) {
      res.render(view, locals);
      return;
    }
    const user = (res.locals.currentUser as { id?: string } | undefined)?.id ?? '';
    const key = `${user}\n${view}\n${slot}`;
    const fingerprint = this.fingerprint(res.locals, locals);
    let page = this.kept.get(key);
    if (page) this.kept.delete(key);
    if (page?.fingerprint !== fingerprint) {
      if (page) this.bytes -= page.size;
      const html = await renderToString(res, view, { ...locals, csrfToken: this.placeholder });
      // Kept as UTF-8 bytes: sending a string would encode the whole page again on every request.
      const parts = html.split(this.placeholder).map((part) => Buffer.from(part));
      page = { fingerprint, parts, size: parts.reduce((n, part) => n + part.length, 0) + fingerprint.length };
      this.bytes += page.size;
    }
    this.kept.set(key, page);
    this.evict();
    // A page without a form has no place for the token: a first-time visitor's is then never made.
    const body = page.parts.length === 1 ? page.parts[0] : Buffer.concat(interleave(page.parts, Buffer.from(String(token))));
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.send(body);
  }

  /** How many pages are kept (for tests). */
  get size(): number {
    return this.kept.size;
  }

  private fingerprint(resLocals: Record<string, unknown>, locals: Record<string, unknown>): string {
    const fixed = this.options.fixed;
    return JSON.stringify([resLocals, locals], (name, value: unknown) => {
      if (name === 'csrfToken') return undefined;
      // JSON leaves functions out, so a page that depended on one could be kept when it should not be.
      if (typeof value === 'function') throw new Error(`RenderedPages: the local ${name || '(root)'} is a function, which a fingerprint cannot see; pass its result instead`);
      if (value !== null && typeof value === 'object') {
        const id = fixed(value);
        if (id !== undefined) return `fixed:${id}`;
      }
      return value;
    });
  }

  private evict(): void {
    const maxPages = this.options.maxPages ?? 500;
    const maxSize = this.options.maxSize ?? 16 * 1024 * 1024;
    while (this.kept.size > maxPages || (this.bytes > maxSize && this.kept.size > 1)) {
      const [oldest, page] = this.kept.entries().next().value!;
      this.kept.delete(oldest);
      this.bytes -= page.size;
    }
  }
}

/** The parts with `between` between each two. */
function interleave(parts: Buffer[], between: Buffer): Buffer[] {
  const out: Buffer[] = [parts[0]];
  for (let i = 1; i < parts.length; i++) out.push(between, parts[i]);
  return out;
}

/** Renders a view to a string, with the app's and the request's locals as res.render gives them. */
export function renderToString(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}
