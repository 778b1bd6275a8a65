// Markdown rendering for lab pages: anchored headings, copyable code, callouts, Console/CLI tabs, collapsed solutions and mode-only blocks.
import MarkdownIt from 'markdown-it';
import container from 'markdown-it-container';
type Markdown = ReturnType<typeof MarkdownIt>;
type Token = MarkdownIt.Token;

const CALLOUTS = { note: 'Note', tip: 'Tip', warning: 'Warning' } as const;

/** Which Verilab a page is rendered for: learners in their own AWS account, or in an emulated sandbox account with only the CLI. */
export type LabMode = 'aws' | 'sandbox';
export const LAB_MODES: readonly LabMode[] = ['aws', 'sandbox'];

/** Every `:::` container a lab may use; anything else is reported by the loader. */
export const CONTAINER_NAMES = ['tabs', 'tab', 'note', 'tip', 'warning', 'solution', ...LAB_MODES] as const;

/** The tab a sandbox page opens on: the sandbox has no AWS Management Console, only the CLI. */
const SANDBOX_TAB = /^aws cli$/i;
const CONSOLE_TAB = /^console$/i;
const SANDBOX_CONSOLE_NOTE =
  '<aside class="callout callout-note mode-note"><p class="callout-title">Console steps are for AWS mode</p>\n' +
  '<p>Your sandbox account has no AWS Management Console. Follow the <strong>AWS CLI</strong> tab in your cloud shell; ' +
  'the console steps are here to read, or for when you do the lab in a real AWS account.</p>\n</aside>\n';

export interface MarkdownOptions {
  /** Default 'aws': the first tab is selected and `::: aws` blocks are shown. */
  mode?: LabMode;
}

/** A container whose closing `:::` is missing, so it silently runs to the end of its parent or of the page. */
export interface UnclosedBlock {
  name: string;
  /** 0-based line of the opening marker in the rendered source. */
  line: number;
}

export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9\s-]/g, '')
    .trim()
    .replace(/[\s-]+/g, '-');
  return slug || 'section';
}

interface RenderEnv {
  slugs?: Map<string, number>;
  tabGroups?: number;
  consoleNoteShown?: boolean;
  unclosed?: UnclosedBlock[];
  /** A paragraph starting with `:::`: an unknown container name or a closing marker with nothing to close. */
  stray?: boolean;
}

function lineCount(src: string): number {
  const lines = src.split('\n').length;
  return src.endsWith('\n') ? lines - 1 : lines;
}

/**
 * Finds unclosed containers. markdown-it-container closes a block at the end of its parent when no closing marker
 * comes first, so such a block's map ends exactly where its parent's does (or at the end of the page).
 */
function findUnclosed(tokens: Token[], src: string): UnclosedBlock[] {
  const unclosed: UnclosedBlock[] = [];
  const open: Token[] = [];
  const end = lineCount(src);
  for (const t of tokens) {
    if (t.nesting === 1 && t.map) {
      const match = /^container_(.+)_open$/.exec(t.type);
      const parentEnd = open.length > 0 ? open[open.length - 1].map![1] : end;
      if (match && t.map[1] >= parentEnd) unclosed.push({ name: match[1], line: t.map[0] });
      open.push(t);
    } else if (t.nesting === -1 && open.length > 0 && open[open.length - 1].type === t.type.replace(/_close$/, '_open')) {
      open.pop();
    }
  }
  return unclosed;
}

/** Removes each container of the other mode with everything inside it; runs before headings get their ids. */
function dropOtherModes(tokens: Token[], mode: LabMode): Token[] {
  const kept: Token[] = [];
  let skipping: string | undefined;
  let depth = 0;
  for (const t of tokens) {
    if (skipping) {
      if (t.type === `${skipping}_open`) depth++;
      else if (t.type === `${skipping}_close` && --depth === 0) skipping = undefined;
      continue;
    }
    const other = LAB_MODES.find((m) => m !== mode && t.type === `container_${m}_open`);
    if (other) {
      skipping = `container_${other}`;
      depth = 1;
      continue;
    }
    kept.push(t);
  }
  return kept;
}

/** Finds the titles of the `::: tab` containers directly inside the tabs container opened at `idx`. */
function tabTitles(tokens: Token[], idx: number): string[] {
  const titles: string[] = [];
  let depth = 0;
  for (let i = idx + 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'container_tabs_close' && depth === 0) break;
    if (t.type === 'container_tab_open') {
      if (depth === 0) titles.push(t.info.trim().replace(/^tab\s*/, '') || `Tab ${titles.length + 1}`);
      depth++;
    } else if (t.type === 'container_tab_close') {
      depth--;
    }
  }
  return titles;
}

export function createMarkdown(options: MarkdownOptions = {}): Markdown {
  const mode = options.mode ?? 'aws';
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  const escape = md.utils.escapeHtml;

  // Problems are found on the whole source before the other mode's blocks are dropped, so `labs check` reports a
  // broken `::: sandbox` block whichever mode it renders for.
  md.core.ruler.after('block', 'mode_blocks', (state) => {
    const env = state.env as RenderEnv;
    env.unclosed = findUnclosed(state.tokens, state.src);
    env.stray = state.tokens.some((t) => t.type === 'inline' && /(^|\n):::/.test(t.content));
    state.tokens = dropOtherModes(state.tokens, mode);
  });

  // Give each heading a stable id (deduplicated per document) and a visible anchor link.
  md.core.ruler.push('heading_anchors', (state) => {
    const env = state.env as RenderEnv;
    env.slugs ??= new Map();
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i].type !== 'heading_open') continue;
      const inline = tokens[i + 1];
      const base = slugify(inline.children?.filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('') ?? '');
      const seen = env.slugs.get(base) ?? 0;
      env.slugs.set(base, seen + 1);
      const id = seen === 0 ? base : `${base}-${seen}`;
      tokens[i].attrSet('id', id);
      const anchor = new state.Token('html_inline', '', 0);
      anchor.content = ` <a class="anchor" href="#${id}" aria-label="Link to this section">#</a>`;
      inline.children?.push(anchor);
    }
  });

  const defaultFence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    // A long command scrolls sideways: the block takes keyboard focus so it can be scrolled without a mouse.
    const code = defaultFence(tokens, idx, options, env, self).replace(/^<pre>/, '<pre tabindex="0">');
    // The button is hidden until the page script enables it, so pages without JavaScript show no dead control.
    return `<div class="code-block"><button type="button" class="copy-button" hidden>Copy</button>${code}</div>\n`;
  };

  for (const [name, label] of Object.entries(CALLOUTS)) {
    md.use(container, name, {
      render(tokens: Token[], idx: number) {
        const token = tokens[idx];
        if (token.nesting === 1) {
          const title = token.info.trim().slice(name.length).trim() || label;
          return `<aside class="callout callout-${name}"><p class="callout-title">${escape(title)}</p>\n`;
        }
        return '</aside>\n';
      },
    });
  }

  md.use(container, 'solution', {
    render(tokens: Token[], idx: number) {
      const token = tokens[idx];
      if (token.nesting === 1) {
        const title = token.info.trim().slice('solution'.length).trim() || 'Show solution';
        return `<details class="solution"><summary>${escape(title)}</summary>\n`;
      }
      return '</details>\n';
    },
  });

  // Tabs are radio buttons and labels styled by CSS, so they switch without any JavaScript.
  md.use(container, 'tabs', {
    render(tokens: Token[], idx: number, _options: unknown, env: RenderEnv) {
      if (tokens[idx].nesting === 1) {
        env.tabGroups = (env.tabGroups ?? 0) + 1;
        const group = `tabs-${env.tabGroups}`;
        const titles = tabTitles(tokens, idx);
        const checked = mode === 'sandbox' ? Math.max(0, titles.findIndex((t) => SANDBOX_TAB.test(t))) : 0;
        const controls = titles
          .map((title, i) => `<input type="radio" class="tab-radio" name="${group}" id="${group}-${i}"${i === checked ? ' checked' : ''}>` +
            `<label class="tab-label" for="${group}-${i}">${escape(title)}</label>`)
          .join('');
        return `<div class="tabs">${controls}\n`;
      }
      return '</div>\n';
    },
  });
  md.use(container, 'tab', {
    render(tokens: Token[], idx: number, _options: unknown, env: RenderEnv) {
      if (tokens[idx].nesting === 1) {
        const title = tokens[idx].info.trim().replace(/^tab\s*/, '');
        // Said once per page, in the first Console panel: that is where a sandbox learner meets console steps.
        const note = mode === 'sandbox' && CONSOLE_TAB.test(title) && !env.consoleNoteShown ? SANDBOX_CONSOLE_NOTE : '';
        if (note) env.consoleNoteShown = true;
        return `<div class="tab-panel" data-tab="${escape(title)}">\n${note}`;
      }
      return '</div>\n';
    },
  });

  // `::: sandbox` and `::: aws` hold a variant for one mode; the other mode's blocks never reach the page.
  for (const name of LAB_MODES) {
    md.use(container, name, {
      render(tokens: Token[], idx: number) {
        return tokens[idx].nesting === 1 ? `<div class="mode-block mode-${name}">\n` : '</div>\n';
      },
    });
  }

  return md;
}

/** Renders a whole document; each call gets its own heading and tab counters. */
export function renderDocument(md: Markdown, source: string): string {
  return md.render(source, {});
}

export interface CheckedDocument {
  html: string;
  unclosed: UnclosedBlock[];
  /** True when some `:::` line is not a known container or closes nothing, so it would show as text. */
  stray: boolean;
}

/** Renders a document and reports its broken containers, in either mode's blocks. */
export function renderChecked(md: Markdown, source: string): CheckedDocument {
  const env: RenderEnv = {};
  const html = md.render(source, env as Record<string, unknown>);
  return { html, unclosed: env.unclosed ?? [], stray: env.stray ?? false };
}

export function renderInline(md: Markdown, source: string): string {
  return md.renderInline(source);
}
