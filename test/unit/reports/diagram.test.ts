// The "Your network" diagram: what the SVG draws, how each state shows without colour, the text alternative, escaping and ids.
import { networkDiagram } from '../../../server/reports/diagram';
import type { NetworkPicture, PartState, PictureVpc } from '../../../server/reports/types';

const GREEN = '#1e7b3a';
const RED = '#c62828';
const GREY = '#8c8c8c';

// ---------------------------------------------------------------------------------------------------------------
// Factories: a complete, working network, and changes to it.

const vpc = (n: 1 | 2, overrides: Partial<PictureVpc> = {}): PictureVpc => {
  const other = n === 1 ? 2 : 1;
  return {
    label: `VPC ${n}`,
    cidr: `10.${n}.0.0/16`,
    id: `vpc-0${n}aa11bb22cc33dd4`,
    state: 'ok',
    subnet: { id: `subnet-0${n}ee55ff66aa77bb8`, cidr: `10.${n}.0.0/24`, routeTableId: `rtb-0${n}cc99dd00ee11ff2`, state: 'ok' },
    internetGateway: { id: `igw-0${n}1234567890abcde`, state: 'ok' },
    instance: { label: `Instance ${n}`, id: `i-0${n}fedcba98765432`, privateIp: `10.${n}.0.${n === 1 ? 12 : 47}`, publicIp: n === 1 ? '3.4.5.6' : '54.167.33.201', state: 'ok' },
    peeringRoute: { destination: `10.${other}.0.0/16`, target: 'pcx-0abc123def4567890', state: 'ok' },
    ...overrides,
  };
};

const completePicture = (): NetworkPicture => ({
  vpcs: [vpc(1), vpc(2)],
  peering: { id: 'pcx-0abc123def4567890', status: 'active', state: 'ok' },
  flowLog: { id: 'fl-0123456789abcdef0', state: 'ok' },
  logGroup: { name: 'vpc-flow-logs-lab', state: 'ok' },
  role: { name: 'VPCFlowLogsDeliveryRole', state: 'ok' },
});

/** Every part of the picture in one state, ids and names kept: the "never colour alone" property runs over all of them. */
const pictureAllIn = (state: PartState): NetworkPicture => {
  const picture = completePicture();
  for (const v of picture.vpcs) {
    v.state = state;
    v.subnet.state = state;
    v.internetGateway.state = state;
    v.instance.state = state;
    v.peeringRoute.state = state;
  }
  picture.peering.state = state;
  picture.flowLog.state = state;
  picture.logGroup.state = state;
  picture.role.state = state;
  return picture;
};

// ---------------------------------------------------------------------------------------------------------------
// A small, strict XML reader: enough to prove the SVG is well-formed and to find a part by its id. It throws on an
// unclosed or mismatched tag, an unquoted or repeated attribute, a raw "<" in text or an attribute, and any entity
// other than the five XML ones and numeric references.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:.';
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '<') throw new Error(`raw "<" in character data: ${raw}`);
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = raw.indexOf(';', i);
    if (end < 0) throw new Error(`unterminated entity in: ${raw}`);
    const entity = raw.slice(i + 1, end);
    if (entity in ENTITIES) out += ENTITIES[entity];
    else if (entity.startsWith('#x') && entity.length > 2 && !Number.isNaN(parseInt(entity.slice(2), 16))) out += String.fromCodePoint(parseInt(entity.slice(2), 16));
    else if (entity.startsWith('#') && entity.length > 1 && String(Number(entity.slice(1))) === entity.slice(1)) out += String.fromCodePoint(Number(entity.slice(1)));
    else throw new Error(`unknown entity &${entity};`);
    i = end;
  }
  return out;
}

function parseXml(xml: string): XmlElement {
  let pos = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  const readName = (): string => {
    const start = pos;
    while (pos < xml.length && NAME_CHARS.includes(xml[pos])) pos++;
    if (pos === start) throw new Error(`expected a name at ${start}: ${xml.slice(start, start + 20)}`);
    return xml.slice(start, pos);
  };
  const skipSpace = (): void => {
    while (pos < xml.length && ' \t\r\n'.includes(xml[pos])) pos++;
  };
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > pos) stack[stack.length - 1].children.push(decode(xml.slice(pos, textEnd)));
    if (lt < 0) break;
    pos = lt + 1;
    if (xml[pos] === '/') {
      pos++;
      const name = readName();
      skipSpace();
      if (xml[pos] !== '>') throw new Error(`bad end tag </${name}`);
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const element: XmlElement = { name: readName(), attrs: {}, children: [] };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', pos)) {
        pos += 2;
        stack[stack.length - 1].children.push(element);
        break;
      }
      if (xml[pos] === '>') {
        pos++;
        stack[stack.length - 1].children.push(element);
        stack.push(element);
        break;
      }
      const attr = readName();
      if (xml[pos] !== '=' || xml[pos + 1] !== '"') throw new Error(`attribute ${attr} is not name="value"`);
      const close = xml.indexOf('"', pos + 2);
      if (close < 0) throw new Error(`unterminated attribute ${attr}`);
      if (attr in element.attrs) throw new Error(`repeated attribute ${attr}`);
      element.attrs[attr] = decode(xml.slice(pos + 2, close));
      pos = close + 1;
      if (!' \t\r\n/>'.includes(xml[pos])) throw new Error(`no space after attribute ${attr}`);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  const elements = root.children.filter((child): child is XmlElement => typeof child !== 'string');
  if (elements.length !== 1 || root.children.length !== 1) throw new Error('expected exactly one root element and nothing around it');
  return elements[0];
}

const isElement = (node: XmlNode): node is XmlElement => typeof node !== 'string';

function allElements(element: XmlElement): XmlElement[] {
  return [element, ...element.children.filter(isElement).flatMap(allElements)];
}

function textOf(node: XmlNode): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join(' ');
}

function byId(svg: XmlElement, id: string): XmlElement {
  const found = allElements(svg).filter((element) => element.attrs.id === id);
  if (found.length !== 1) throw new Error(`expected one element with id ${id}, found ${found.length}`);
  return found[0];
}

/** A part's own drawing: its direct children, without the parts nested in it (a VPC's subnet, a subnet's instance). */
function ownShapes(part: XmlElement): XmlElement[] {
  return part.children.filter(isElement).filter((child) => child.name !== 'g');
}

function ownWords(part: XmlElement): string {
  return ownShapes(part)
    .filter((child) => child.name === 'text')
    .map(textOf)
    .join(' | ');
}

function ownBox(part: XmlElement): XmlElement {
  const rect = ownShapes(part).find((child) => child.name === 'rect');
  if (!rect) throw new Error(`part ${part.attrs.id} has no box`);
  return rect;
}

const PART_IDS = [
  'vpc-1',
  'vpc-1-igw',
  'vpc-1-subnet',
  'vpc-1-instance',
  'vpc-1-route',
  'vpc-2',
  'vpc-2-igw',
  'vpc-2-subnet',
  'vpc-2-instance',
  'vpc-2-route',
  'peering',
  'flow-log',
  'log-group',
  'role',
];

// ---------------------------------------------------------------------------------------------------------------

describe('networkDiagram: the complete network', () => {
  it('names both CIDRs, both instances with their ids and IPs, the peering connection, the log group and the role, in the SVG and in the text', () => {
    const { svg, text } = networkDiagram(completePicture());
    const drawn = textOf(parseXml(svg));

    const facts = [
      '10.1.0.0/16',
      '10.2.0.0/16',
      'i-01fedcba98765432',
      'i-02fedcba98765432',
      '10.1.0.12',
      '10.2.0.47',
      '3.4.5.6',
      '54.167.33.201',
      'pcx-0abc123def4567890',
      'vpc-flow-logs-lab',
      'VPCFlowLogsDeliveryRole',
    ];
    for (const fact of facts) {
      expect(drawn).toContain(fact);
      expect(text).toContain(fact);
    }
  });

  it('text: reads as sentences naming every id in full, the peering status, both routes and the flow log chain', () => {
    const { text } = networkDiagram(completePicture());

    expect(text).toContain(
      'VPC 1 (vpc-01aa11bb22cc33dd4, 10.1.0.0/16) has public subnet subnet-01ee55ff66aa77bb8 (10.1.0.0/24, route table rtb-01cc99dd00ee11ff2) with instance 1 (i-01fedcba98765432, private 10.1.0.12, public 3.4.5.6) and internet gateway igw-011234567890abcde.',
    );
    expect(text).toContain('Peering connection pcx-0abc123def4567890 (active) joins VPC 1 and VPC 2.');
    expect(text).toContain("VPC 1's route table rtb-01cc99dd00ee11ff2 sends 10.2.0.0/16 to pcx-0abc123def4567890.");
    expect(text).toContain("VPC 2's route table rtb-02cc99dd00ee11ff2 sends 10.1.0.0/16 to pcx-0abc123def4567890.");
    expect(text).toContain('Flow log fl-0123456789abcdef0 on VPC 1 delivers to log group vpc-flow-logs-lab with role VPCFlowLogsDeliveryRole.');
    expect(text).not.toMatch(/not yet created|needs fixing|yet\./);
  });

  it('SVG: the root names the diagram by its <title> and <desc>, the <desc> is the text alternative, and the layout is fixed', () => {
    const { svg, text } = networkDiagram(completePicture());
    const root = parseXml(svg);

    expect(root.name).toBe('svg');
    expect(root.attrs).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', role: 'img', 'aria-labelledby': 'net-title net-desc' });
    const width = Number(root.attrs.width);
    expect(width).toBeGreaterThanOrEqual(760);
    expect(width).toBeLessThanOrEqual(900);
    expect(root.attrs.viewBox).toBe(`0 0 ${root.attrs.width} ${root.attrs.height}`);
    expect(textOf(byId(root, 'net-title'))).toBe('Your network');
    expect(byId(root, 'net-title').name).toBe('title');
    expect(textOf(byId(root, 'net-desc'))).toBe(text);
    expect(byId(root, 'net-desc').name).toBe('desc');
  });

  it('SVG: styled by presentation attributes only (svg-to-pdfkit ignores stylesheets), every text in Helvetica', () => {
    const { svg } = networkDiagram(pictureAllIn('failed'));
    const elements = allElements(parseXml(svg));

    expect(elements.some((element) => element.name === 'style')).toBe(false);
    expect(elements.filter((element) => 'class' in element.attrs || 'style' in element.attrs)).toEqual([]);
    const texts = elements.filter((element) => element.name === 'text');
    expect(texts.length).toBeGreaterThan(20);
    for (const t of texts) {
      expect(t.attrs['font-family']).toBe('Helvetica, Arial, sans-serif');
      expect(Number(t.attrs['font-size'])).toBeGreaterThanOrEqual(9);
    }
  });

  it('SVG: only glyphs that PDFKit\'s built-in Helvetica has (no "→" or "✗"): arrows and crosses are drawn', () => {
    const picture = pictureAllIn('failed');
    const { svg } = networkDiagram(picture);
    const drawn = textOf(parseXml(svg));

    expect(drawn).not.toMatch(/[→✗]/);
    // The route reads destination, drawn arrow, target.
    const route = byId(parseXml(svg), 'net-vpc-1-route');
    expect(ownWords(route)).toContain('10.2.0.0/16 | pcx-0abc123def4567890');
  });

  it('is pure: the same picture gives the same strings and is not changed', () => {
    const picture = completePicture();
    const before = JSON.stringify(picture);

    const first = networkDiagram(picture, { idPrefix: 'a-' });
    const second = networkDiagram(picture, { idPrefix: 'a-' });

    expect(second).toEqual(first);
    expect(JSON.stringify(picture)).toBe(before);
  });
});

describe('networkDiagram: states are shown by stroke pattern and words, never by colour alone', () => {
  it.each(PART_IDS)('%s: ok is solid green with no state words', (id) => {
    const part = byId(parseXml(networkDiagram(pictureAllIn('ok')).svg), `net-${id}`);

    expect(ownBox(part).attrs).toMatchObject({ stroke: GREEN });
    expect(ownBox(part).attrs['stroke-dasharray']).toBeUndefined();
    expect(ownWords(part)).not.toMatch(/needs fixing|not yet created/);
  });

  it.each(PART_IDS)('%s: failed is solid red, with a drawn cross and "needs fixing"', (id) => {
    const part = byId(parseXml(networkDiagram(pictureAllIn('failed')).svg), `net-${id}`);

    expect(ownBox(part).attrs).toMatchObject({ stroke: RED });
    expect(ownBox(part).attrs['stroke-dasharray']).toBeUndefined();
    expect(ownWords(part)).toContain('needs fixing');
    expect(ownShapes(part).some((shape) => shape.name === 'path' && shape.attrs.stroke === RED)).toBe(true);
  });

  it.each(PART_IDS)('%s: missing is a dashed grey outline saying "not yet created"', (id) => {
    const part = byId(parseXml(networkDiagram(pictureAllIn('missing')).svg), `net-${id}`);

    expect(ownBox(part).attrs).toMatchObject({ stroke: GREY });
    expect(ownBox(part).attrs['stroke-dasharray']).toBeTruthy();
    expect(ownWords(part)).toContain('not yet created');
  });
});

describe('networkDiagram: the peering connection not yet created', () => {
  const picture = (): NetworkPicture => {
    const p = completePicture();
    p.peering = { state: 'missing' };
    p.vpcs[0].peeringRoute = { state: 'missing' };
    p.vpcs[1].peeringRoute = { state: 'missing' };
    return p;
  };

  it('draws a dashed link between the VPCs with "not yet created" on it', () => {
    const root = parseXml(networkDiagram(picture()).svg);
    const peering = byId(root, 'net-peering');

    const link = ownShapes(peering).find((shape) => shape.name === 'line');
    expect(link?.attrs['stroke-dasharray']).toBeTruthy();
    expect(link?.attrs.stroke).toBe(GREY);
    expect(ownWords(peering)).toBe('Peering connection | not yet created');
  });

  it('draws each route table without its route: "no route to" the other VPC', () => {
    const root = parseXml(networkDiagram(picture()).svg);

    expect(ownWords(byId(root, 'net-vpc-1-route'))).toBe('VPC 1 route to VPC 2 | no route to VPC 2 | not yet created');
    expect(ownWords(byId(root, 'net-vpc-2-route'))).toBe('VPC 2 route to VPC 1 | no route to VPC 1 | not yet created');
  });

  it('text: says there is no peering connection and no route yet, and still describes the rest', () => {
    const { text } = networkDiagram(picture());

    expect(text).toContain('No peering connection yet.');
    expect(text).toContain("VPC 1's route table rtb-01cc99dd00ee11ff2 has no route to VPC 2 yet.");
    expect(text).toContain("VPC 2's route table rtb-02cc99dd00ee11ff2 has no route to VPC 1 yet.");
    expect(text).not.toContain('pcx-');
    expect(text).toContain('Flow log fl-0123456789abcdef0 on VPC 1 delivers to log group vpc-flow-logs-lab');
  });
});

describe('networkDiagram: a route that needs fixing', () => {
  const picture = (): NetworkPicture => {
    const p = completePicture();
    p.vpcs[1].peeringRoute = { destination: '10.3.0.0/16', target: 'pcx-0abc123def4567890', state: 'failed' };
    return p;
  };

  it("draws VPC 2's route red and solid with what it sends where, and leaves VPC 1's green", () => {
    const root = parseXml(networkDiagram(picture()).svg);
    const wrong = byId(root, 'net-vpc-2-route');

    expect(ownBox(wrong).attrs.stroke).toBe(RED);
    expect(ownBox(wrong).attrs['stroke-dasharray']).toBeUndefined();
    expect(ownWords(wrong)).toBe('VPC 2 route to VPC 1 | 10.3.0.0/16 | pcx-0abc123def4567890 | needs fixing');
    expect(ownBox(byId(root, 'net-vpc-1-route')).attrs.stroke).toBe(GREEN);
  });

  it('text: says what the route does and what it should do', () => {
    const { text } = networkDiagram(picture());

    expect(text).toContain(
      "VPC 2's route table rtb-02cc99dd00ee11ff2 sends 10.3.0.0/16 to pcx-0abc123def4567890, which needs fixing: it should send 10.1.0.0/16 to the peering connection.",
    );
    expect(text).toContain("VPC 1's route table rtb-01cc99dd00ee11ff2 sends 10.2.0.0/16 to pcx-0abc123def4567890.");
  });
});

describe('networkDiagram: other parts missing or failing, in the text', () => {
  it('an instance, a flow log and its log group and role not yet created: each named as missing', () => {
    const p = completePicture();
    p.vpcs[1].instance = { label: 'Instance 2', state: 'missing' };
    p.flowLog = { state: 'missing' };
    p.logGroup = { state: 'missing' };
    p.role = { state: 'missing' };

    const { text } = networkDiagram(p);

    expect(text).toContain('VPC 2 (vpc-02aa11bb22cc33dd4, 10.2.0.0/16) has public subnet subnet-02ee55ff66aa77bb8 (10.2.0.0/24, route table rtb-02cc99dd00ee11ff2) and internet gateway igw-021234567890abcde.');
    expect(text).toContain('VPC 2 has no instance 2 yet.');
    expect(text).toContain('No flow log on VPC 1 yet. No log group yet. No IAM role for it yet.');
  });

  it('a VPC not yet created: the text gives the CIDR the lab asks for, and the drawing still shows it', () => {
    const p = completePicture();
    p.vpcs[1] = { ...pictureAllIn('missing').vpcs[1], id: undefined };

    const { svg, text } = networkDiagram(p);

    expect(text).toContain('VPC 2 (10.2.0.0/16) is not yet created.');
    const vpc2 = byId(parseXml(svg), 'net-vpc-2');
    expect(ownWords(vpc2)).toBe('VPC 2 | 10.2.0.0/16 | not yet created');
  });

  it('a peering connection that needs fixing keeps its status in view, drawn and in the text', () => {
    const p = completePicture();
    p.peering = { id: 'pcx-0abc123def4567890', status: 'pending-acceptance', state: 'failed' };

    const { svg, text } = networkDiagram(p);

    expect(ownWords(byId(parseXml(svg), 'net-peering'))).toBe('Peering connection | pcx-0abc123def4567890 | pending-acceptance | needs fixing');
    expect(text).toContain('Peering connection pcx-0abc123def4567890 (pending-acceptance, needs fixing) joins VPC 1 and VPC 2.');
  });

  it('an internet gateway and a role that need fixing: both marked in the text', () => {
    const p = completePicture();
    p.vpcs[0].internetGateway.state = 'failed';
    p.role.state = 'failed';

    const { text } = networkDiagram(p);

    expect(text).toContain('and internet gateway igw-011234567890abcde (needs fixing).');
    expect(text).toContain('with role VPCFlowLogsDeliveryRole (needs fixing).');
  });
});

describe('networkDiagram: escaping and long names', () => {
  const nasty = `<script>&"'`;

  it('a name with <script>&"\' is escaped in the SVG, which stays well-formed, and reads back unchanged', () => {
    const p = completePicture();
    p.role.name = nasty;
    p.logGroup.name = `/aws/${nasty}`;

    const { svg, text } = networkDiagram(p);

    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;&amp;&quot;&apos;');
    const root = parseXml(svg);
    expect(ownWords(byId(root, 'net-role'))).toContain(nasty);
    expect(ownWords(byId(root, 'net-log-group'))).toContain(`/aws/${nasty}`);
    expect(textOf(byId(root, 'net-desc'))).toBe(text);
    expect(text).toContain(`with role ${nasty}.`);
  });

  it('the title and the id prefix are escaped too', () => {
    const { svg } = networkDiagram(completePicture(), { title: `Ada's <network> & "more"`, idPrefix: `q"<` });
    const root = parseXml(svg);

    expect(textOf(byId(root, 'q"<title'))).toBe(`Ada's <network> & "more"`);
    expect(root.attrs['aria-labelledby']).toBe('q"<title q"<desc');
  });

  it('characters XML cannot carry are dropped rather than breaking the document', () => {
    const p = completePicture();
    p.role.name = 'role\u0000with\u0008controls\uD800';

    const { svg } = networkDiagram(p);

    expect(ownWords(byId(parseXml(svg), 'net-role'))).toContain('rolewithcontrols');
  });

  it('a long name is shortened in the middle in the drawing only; the text alternative keeps it whole', () => {
    const p = completePicture();
    const long = `/aws/vpc/flow-logs/${'very-long-segment-'.repeat(6)}end-of-name`;
    p.logGroup.name = long;

    const { svg, text } = networkDiagram(p);
    const words = ownWords(byId(parseXml(svg), 'net-log-group'));

    expect(words).not.toContain(long);
    expect(words).toMatch(/^CloudWatch Logs log group \| \/aws\/vpc\/flow-logs\/very-[^|]*…[^|]*end-of-name$/);
    expect(text).toContain(`log group ${long} with`);
  });
});

describe('networkDiagram: ids', () => {
  it('default prefix "net-": every id starts with it, and aria-labelledby points at the title and desc', () => {
    const root = parseXml(networkDiagram(completePicture()).svg);
    const ids = allElements(root).flatMap((element) => (element.attrs.id === undefined ? [] : [element.attrs.id]));

    expect(ids.length).toBeGreaterThan(PART_IDS.length);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith('net-')).toBe(true);
    for (const ref of root.attrs['aria-labelledby'].split(' ')) expect(ids).toContain(ref);
  });

  it('idPrefix changes every id, so two diagrams on one page share none', () => {
    const idsOf = (svg: string): string[] => allElements(parseXml(svg)).flatMap((element) => (element.attrs.id === undefined ? [] : [element.attrs.id]));
    const report = idsOf(networkDiagram(completePicture(), { idPrefix: 'report-net-' }).svg);
    const step = idsOf(networkDiagram(completePicture(), { idPrefix: 'step-net-' }).svg);

    expect(report).toContain('report-net-title');
    expect(report).toContain('report-net-peering');
    expect(step).toContain('step-net-desc');
    for (const id of report) expect(id.startsWith('report-net-')).toBe(true);
    expect(report.filter((id) => step.includes(id))).toEqual([]);
    expect(parseXml(networkDiagram(completePicture(), { idPrefix: 'step-net-' }).svg).attrs['aria-labelledby']).toBe('step-net-title step-net-desc');
  });

  it('the title option replaces "Your network"', () => {
    const root = parseXml(networkDiagram(completePicture(), { title: 'Network at step 4' }).svg);

    expect(textOf(byId(root, 'net-title'))).toBe('Network at step 4');
  });
});

describe('test helper: parseXml rejects what is not well-formed', () => {
  it.each([
    ['an unclosed tag', '<svg><g></svg>'],
    ['a raw "<" in text', '<svg><text>a < b</text></svg>'],
    ['a raw "&" in an attribute', '<svg><g id="a&b"/></svg>'],
    ['an unquoted attribute', '<svg><g id=a/></svg>'],
    ['two roots', '<svg/><svg/>'],
  ])('%s', (_what, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
