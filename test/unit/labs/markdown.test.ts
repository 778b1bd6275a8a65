import { createMarkdown, renderDocument, slugify } from '../../../server/labs/markdown';

const md = createMarkdown();

describe('markdown', () => {
  it('headings: get unique ids and an anchor link', () => {
    const html = renderDocument(md, '## Create the VPC\n\ntext\n\n## Create the VPC\n');
    expect(html).toContain('<h2 id="create-the-vpc">');
    expect(html).toContain('<h2 id="create-the-vpc-1">');
    expect(html).toContain('href="#create-the-vpc"');
  });

  it('slugify: strips punctuation and accents', () => {
    expect(slugify('What is Amazon VPC?')).toBe('what-is-amazon-vpc');
    expect(slugify('Étape — deux')).toBe('etape-deux');
  });

  it('code blocks: wrapped with a copy button that starts hidden', () => {
    const html = renderDocument(md, '```bash\naws ec2 describe-vpcs\n```\n');
    expect(html).toMatch(/<div class="code-block"><button type="button" class="copy-button" hidden>Copy<\/button><pre><code class="language-bash">aws ec2 describe-vpcs/);
  });

  it('callouts: note, tip and warning with default or custom titles', () => {
    const html = renderDocument(md, '::: note\nA\n:::\n\n::: tip Shortcut\nB\n:::\n\n::: warning\nC\n:::\n');
    expect(html).toContain('<aside class="callout callout-note"><p class="callout-title">Note</p>');
    expect(html).toContain('<aside class="callout callout-tip"><p class="callout-title">Shortcut</p>');
    expect(html).toContain('<aside class="callout callout-warning"><p class="callout-title">Warning</p>');
  });

  it('tabs: radio controls with the tab titles, first checked, one panel per tab', () => {
    const html = renderDocument(md, ':::: tabs\n::: tab Console\nclick\n:::\n::: tab AWS CLI\n```bash\naws\n```\n:::\n::::\n');
    expect(html).toContain('<input type="radio" class="tab-radio" name="tabs-1" id="tabs-1-0" checked><label class="tab-label" for="tabs-1-0">Console</label>');
    expect(html).toContain('<label class="tab-label" for="tabs-1-1">AWS CLI</label>');
    expect(html.match(/class="tab-panel"/g)).toHaveLength(2);
  });

  it('solution: a collapsed details block', () => {
    const html = renderDocument(md, '::: solution\nanswer\n:::\n');
    expect(html).toBe('<details class="solution"><summary>Show solution</summary>\n<p>answer</p>\n</details>\n');
  });

  it('raw HTML in lab text is escaped, not rendered', () => {
    expect(renderDocument(md, '<script>alert(1)</script>')).toContain('&lt;script&gt;');
  });
});
