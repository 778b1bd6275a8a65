import { createMarkdown, renderChecked, renderDocument, slugify } from '../../../server/labs/markdown';

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
    // The block takes keyboard focus, so a long command can be scrolled sideways without a mouse.
    expect(html).toMatch(/<div class="code-block"><button type="button" class="copy-button" hidden>Copy<\/button><pre tabindex="0"><code class="language-bash">aws ec2 describe-vpcs/);
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

describe('markdown for a mode', () => {
  const page = [
    ':::: tabs', '::: tab Console', 'click', ':::', '::: tab AWS CLI', '```bash', 'aws ec2 describe-vpcs', '```', ':::', '::::',
    '', ':::: tabs', '::: tab Console', 'click again', ':::', '::: tab AWS CLI', 'run', ':::', '::::',
    '', '::: sandbox', 'Only in the **sandbox**.', ':::',
    '', '::: aws', 'Only in **AWS**.', ':::', '',
  ].join('\n');
  const aws = renderDocument(createMarkdown({ mode: 'aws' }), page);
  const sandbox = renderDocument(createMarkdown({ mode: 'sandbox' }), page);

  it('aws mode (the default): the first tab is checked, the aws block shows and the sandbox block is gone', () => {
    expect(renderDocument(createMarkdown(), page)).toBe(aws);
    expect(aws).toContain('id="tabs-1-0" checked>');
    expect(aws).not.toContain('id="tabs-1-1" checked>');
    expect(aws).toContain('<div class="mode-block mode-aws">\n<p>Only in <strong>AWS</strong>.</p>\n</div>');
    expect(aws).not.toContain('sandbox');
    expect(aws).not.toContain('mode-note');
  });

  it('sandbox mode: the AWS CLI tab is checked in every group, the sandbox block shows and the aws block is gone', () => {
    expect(sandbox).toContain('id="tabs-1-1" checked>');
    expect(sandbox).toContain('id="tabs-2-1" checked>');
    expect(sandbox).not.toMatch(/id="tabs-\d-0" checked/);
    expect(sandbox).toContain('<div class="mode-block mode-sandbox">\n<p>Only in the <strong>sandbox</strong>.</p>\n</div>');
    expect(sandbox).not.toContain('Only in <strong>AWS</strong>');
  });

  it('sandbox mode: the console note appears once, inside the first Console panel', () => {
    expect(sandbox.match(/mode-note/g)).toHaveLength(1);
    expect(sandbox).toMatch(/<div class="tab-panel" data-tab="Console">\n<aside class="callout callout-note mode-note">.*Console steps are for AWS mode/);
    expect(sandbox.indexOf('mode-note')).toBeLessThan(sandbox.indexOf('<p>click</p>'));
  });

  it('sandbox mode: tabs without an AWS CLI tab keep the first tab and get no console note', () => {
    const html = renderDocument(createMarkdown({ mode: 'sandbox' }), ':::: tabs\n::: tab Linux\na\n:::\n::: tab macOS\nb\n:::\n::::\n');
    expect(html).toContain('id="tabs-1-0" checked>');
    expect(html).not.toContain('mode-note');
  });

  it('headings inside the other mode\'s block take no slug, so ids match what the page shows', () => {
    const html = renderDocument(createMarkdown({ mode: 'sandbox' }), '::: aws\n## Connect\n:::\n\n::: sandbox\n## Connect\n:::\n');
    expect(html).toContain('<h2 id="connect">');
    expect(html).not.toContain('connect-1');
  });

  it('mode blocks nest inside tabs and solutions', () => {
    // The outer block needs the longer marker: its first bare `:::` line would otherwise close it.
    const src = ':::: solution\n::: aws\n```bash\nssh host\n```\n:::\n::: sandbox\n```bash\necho sandbox\n```\n:::\n::::\n';
    const html = renderDocument(createMarkdown({ mode: 'sandbox' }), src);
    expect(html).toContain('echo sandbox');
    expect(html).not.toContain('ssh host');
    expect(html.endsWith('</div>\n</details>\n')).toBe(true);
  });
});

describe('renderChecked', () => {
  const md = createMarkdown({ mode: 'aws' });

  it('a well-formed page: no problems', () => {
    expect(renderChecked(md, '::: sandbox\nx\n:::\n\n::: note\ny\n:::')).toMatchObject({ unclosed: [], stray: false });
  });

  it('an unclosed sandbox block at the end of the page: named with its line, even though aws mode drops it', () => {
    const result = renderChecked(md, 'intro\n\n::: sandbox\nsandbox text\n');
    expect(result.unclosed).toEqual([{ name: 'sandbox', line: 2 }]);
    expect(result.html).not.toContain('sandbox text');
  });

  it('a block inside a tab that misses its closing marker: the tab takes that marker, so the inner block is reported', () => {
    const result = renderChecked(md, ':::: tabs\n::: tab AWS CLI\n::: aws\nx\n:::\n::::\n');
    expect(result.unclosed).toEqual([{ name: 'aws', line: 2 }]);
  });

  it('an unknown container inside the other mode\'s block is still found', () => {
    expect(renderChecked(md, '::: sandbox\n:::: nte\nx\n::::\n:::\n').stray).toBe(true);
  });
});
