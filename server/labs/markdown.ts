// Markdown rendering for lab pages: anchored headings, copyable code, callouts, Console/CLI tabs and collapsed solutions.
import MarkdownIt from 'markdown-it';
import container from 'markdown-it-container';
type Markdown = ReturnType<typeof MarkdownIt>;
type Token = MarkdownIt.Token;

const CALLOUTS = { note: 'Note', tip: 'Tip', warning: 'Warning' } as const;

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

export function createMarkdown(): Markdown {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  const escape = md.utils.escapeHtml;

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
    const code = defaultFence(tokens, idx, options, env, self);
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
        const controls = tabTitles(tokens, idx)
          .map((title, i) => `<input type="radio" class="tab-radio" name="${group}" id="${group}-${i}"${i === 0 ? ' checked' : ''}>` +
            `<label class="tab-label" for="${group}-${i}">${escape(title)}</label>`)
          .join('');
        return `<div class="tabs">${controls}\n`;
      }
      return '</div>\n';
    },
  });
  md.use(container, 'tab', {
    render(tokens: Token[], idx: number) {
      if (tokens[idx].nesting === 1) {
        const title = tokens[idx].info.trim().replace(/^tab\s*/, '');
        return `<div class="tab-panel" data-tab="${escape(title)}">\n`;
      }
      return '</div>\n';
    },
  });

  return md;
}

/** Renders a whole document; each call gets its own heading and tab counters. */
export function renderDocument(md: Markdown, source: string): string {
  return md.render(source, {});
}

export function renderInline(md: Markdown, source: string): string {
  return md.renderInline(source);
}
