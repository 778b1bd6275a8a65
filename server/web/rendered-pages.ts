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
 * view is rendered with a placeholder made of hex digits, which HTML escaping leaves as it is.
 */
export class RenderedPages {
  private readonly kept = new Map<string, { fingerprint: string; parts: string[]; size: number }>();
  private readonly placeholder = `csrf${randomBytes(16).toString('hex')}`;
  private bytes = 0;

  constructor(
    private readonly options: {
      /** The id a value that never changes is written by in a fingerprint, or undefined for any other value. */
      fixed: (value: unknown) => string | undefined;
      maxPages?: number;
      /** The kept pages' total size in UTF-16 code units, about their size in bytes for these pages. */
      maxSize?: number;
    },
  ) {}

  /**
   * Sends `view` rendered with `locals`, from the kept copy when nothing it depends on has changed. `slot` names the
   * page (a lab and step, say); the person comes from the request.
   */
  async send(res: Response, view: string, slot: string, locals: Record<string, unknown>): Promise<void> {
    const token = res.locals.csrfToken;
    if (typeof token !== 'string' || token === '') {
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
      page = { fingerprint, parts: html.split(this.placeholder), size: html.length + fingerprint.length };
      this.bytes += page.size;
    }
    this.kept.set(key, page);
    this.evict();
    res.type('html').send(page.parts.join(token));
  }

  /** How many pages are kept (for tests). */
  get size(): number {
    return this.kept.size;
  }

  private fingerprint(resLocals: Record<string, unknown>, locals: Record<string, unknown>): string {
    const fixed = this.options.fixed;
    return JSON.stringify([resLocals, locals], (name, value: unknown) => {
      if (name === 'csrfToken') return undefined;
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

/** Renders a view to a string, with the app's and the request's locals as res.render gives them. */
export function renderToString(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}
