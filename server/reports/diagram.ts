// The "Your network" diagram: the learner's two peered VPCs, their flow log and where it delivers, drawn as a
// self-contained SVG string with a plain-text alternative. Pure: the same picture always gives the same strings.
import type { NetworkPicture, PartState, PictureVpc } from './types';

export interface NetworkDiagramOptions {
  /** Prefix for the ids inside the SVG, so that two diagrams on one page do not share ids. */
  idPrefix?: string;
  /** The accessible name of the diagram. */
  title?: string;
}

export interface NetworkDiagram {
  svg: string;
  /** The same picture in sentences: the SVG's <desc>, and the text to show where the drawing is not seen. */
  text: string;
}

const DEFAULT_TITLE = 'Your network';
const DEFAULT_ID_PREFIX = 'net-';

const NOT_YET_CREATED = 'not yet created';
const NEEDS_FIXING = 'needs fixing';

const WIDTH = 880;
const HEIGHT = 576;

// Presentation attributes only: svg-to-pdfkit draws the same string into the PDF and ignores <style> and classes.
const FONT = 'Helvetica, Arial, sans-serif';
const INK = '#1a1a1a';
const MUTED_INK = '#555555';
// Dark enough to print as distinct greys in black and white; the state also shows in the dash pattern and the words.
const STROKE: Record<PartState, string> = { ok: '#1e7b3a', failed: '#c62828', missing: '#8c8c8c' };
const FILL: Record<PartState, string> = { ok: '#ffffff', failed: '#fdeceb', missing: '#ffffff' };
const DASH = '6 4';

/** Draws the learner's network for the VPC Monitoring with Flow Logs lab. */
export function networkDiagram(picture: NetworkPicture, options: NetworkDiagramOptions = {}): NetworkDiagram {
  const prefix = options.idPrefix ?? DEFAULT_ID_PREFIX;
  const title = options.title ?? DEFAULT_TITLE;
  const text = describeNetwork(picture);
  const [vpc1, vpc2] = picture.vpcs;
  const body = [
    drawVpc(vpc1, VPC1_X, 'left', `${prefix}vpc-1`),
    drawVpc(vpc2, VPC2_X, 'right', `${prefix}vpc-2`),
    drawPeering(picture, vpc1, vpc2, prefix),
    drawFlowLog(picture, vpc1, prefix),
    group(`${prefix}key`, [drawLegend()]),
  ].join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img"` +
    ` aria-labelledby="${esc(`${prefix}title`)} ${esc(`${prefix}desc`)}" font-family="${FONT}">` +
    `<title id="${esc(`${prefix}title`)}">${esc(title)}</title>` +
    `<desc id="${esc(`${prefix}desc`)}">${esc(text)}</desc>` +
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>` +
    body +
    `</svg>`;
  return { svg, text };
}

// ---------------------------------------------------------------------------------------------------------------
// Text alternative

/** The picture in sentences, naming every id in full and everything that is missing or needs fixing. */
function describeNetwork(picture: NetworkPicture): string {
  const [vpc1, vpc2] = picture.vpcs;
  const sentences = [
    ...describeVpc(vpc1),
    ...describeVpc(vpc2),
    describePeering(picture, vpc1, vpc2),
    describeRoute(vpc1, vpc2),
    describeRoute(vpc2, vpc1),
    ...describeFlowLog(picture, vpc1),
  ];
  return sentences.join(' ');
}

function describeVpc(vpc: PictureVpc): string[] {
  if (vpc.state === 'missing') return [`${vpc.label} (${vpc.cidr}) is ${NOT_YET_CREATED}.`];
  const instance = describeInstance(vpc);
  const has: string[] = [];
  if (vpc.subnet.state !== 'missing') {
    const details = joinPresent([vpc.subnet.cidr, vpc.subnet.routeTableId && `route table ${vpc.subnet.routeTableId}`, fixing(vpc.subnet.state)]);
    const subnet = `public subnet${named(vpc.subnet.id)}${details ? ` (${details})` : ''}`;
    has.push(instance ? `${subnet} with ${instance}` : subnet);
  } else if (instance) {
    has.push(instance);
  }
  if (vpc.internetGateway.state !== 'missing') {
    has.push(`internet gateway${named(vpc.internetGateway.id)}${vpc.internetGateway.state === 'failed' ? ` (${NEEDS_FIXING})` : ''}`);
  }
  const lead = `${vpc.label} (${joinPresent([vpc.id, vpc.cidr])})${vpc.state === 'failed' ? `, which ${NEEDS_FIXING},` : ''}`;
  const absent = [
    vpc.subnet.state === 'missing' ? 'public subnet' : undefined,
    vpc.instance.state === 'missing' ? lowerFirst(vpc.instance.label) : undefined,
    vpc.internetGateway.state === 'missing' ? 'internet gateway' : undefined,
  ].filter((part): part is string => part !== undefined);
  if (has.length === 0) return [`${lead} has no ${listOf(absent, 'or')} yet.`];
  const sentences = [`${lead} has ${listOf(has, 'and')}.`];
  if (absent.length > 0) sentences.push(`${vpc.label} has no ${listOf(absent, 'or')} yet.`);
  return sentences;
}

function describeInstance(vpc: PictureVpc): string | undefined {
  const instance = vpc.instance;
  if (instance.state === 'missing') return undefined;
  const details = joinPresent([
    instance.id,
    instance.privateIp && `private ${instance.privateIp}`,
    instance.publicIp && `public ${instance.publicIp}`,
    fixing(instance.state),
  ]);
  return `${lowerFirst(instance.label)}${details ? ` (${details})` : ''}`;
}

function describePeering(picture: NetworkPicture, vpc1: PictureVpc, vpc2: PictureVpc): string {
  const peering = picture.peering;
  if (peering.state === 'missing') return 'No peering connection yet.';
  const details = joinPresent([peering.status, fixing(peering.state)]);
  return `Peering connection${named(peering.id)}${details ? ` (${details})` : ''} joins ${vpc1.label} and ${vpc2.label}.`;
}

function describeRoute(vpc: PictureVpc, other: PictureVpc): string {
  const route = vpc.peeringRoute;
  const table = `${vpc.label}'s route table${named(vpc.subnet.routeTableId)}`;
  if (route.state === 'missing') return `${table} has no route to ${other.label} yet.`;
  const sends = route.destination || route.target ? `${table} sends ${route.destination ?? 'an unknown destination'} to ${route.target ?? 'an unknown target'}` : undefined;
  if (route.state === 'ok') return `${sends ?? `${table} has a route to ${other.label}`}.`;
  const should = `it should send ${other.cidr} to the peering connection`;
  return sends ? `${sends}, which ${NEEDS_FIXING}: ${should}.` : `${table} ${NEEDS_FIXING}: ${should}.`;
}

function describeFlowLog(picture: NetworkPicture, vpc1: PictureVpc): string[] {
  const { flowLog, logGroup, role } = picture;
  const logGroupWords = logGroup.state === 'missing' ? `a log group that is ${NOT_YET_CREATED}` : `log group${named(logGroup.name)}${fixingInBrackets(logGroup.state)}`;
  const roleWords = role.state === 'missing' ? `a role that is ${NOT_YET_CREATED}` : `role${named(role.name)}${fixingInBrackets(role.state)}`;
  if (flowLog.state !== 'missing') {
    return [`Flow log${named(flowLog.id)} on ${vpc1.label}${fixingInBrackets(flowLog.state)} delivers to ${logGroupWords} with ${roleWords}.`];
  }
  const sentences = [`No flow log on ${vpc1.label} yet.`];
  sentences.push(logGroup.state === 'missing' ? 'No log group yet.' : `Log group${named(logGroup.name)}${fixingInBrackets(logGroup.state)} is ready for it.`);
  sentences.push(role.state === 'missing' ? 'No IAM role for it yet.' : `Role${named(role.name)}${fixingInBrackets(role.state)} is ready for it.`);
  return sentences;
}

function named(id: string | undefined): string {
  return id ? ` ${id}` : '';
}

function fixing(state: PartState): string | undefined {
  return state === 'failed' ? NEEDS_FIXING : undefined;
}

function fixingInBrackets(state: PartState): string {
  return state === 'failed' ? ` (${NEEDS_FIXING})` : '';
}

function joinPresent(parts: Array<string | undefined | false | ''>): string {
  return parts.filter((part): part is string => Boolean(part)).join(', ');
}

function listOf(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** "Instance 1" reads "instance 1" mid-sentence; an acronym such as "VPC 1" stays as it is. */
function lowerFirst(label: string): string {
  const second = label.charAt(1);
  return second && second === second.toLowerCase() && second !== second.toUpperCase() ? label.charAt(0).toLowerCase() + label.slice(1) : label;
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing. A fixed layout: VPC 1 left and VPC 2 right with the peering link in the gap between them, the flow log,
// log group and role below VPC 1, and a legend bottom right.

const MARGIN = 20;
const VPC_W = 300;
const VPC_H = 300;
const VPC_Y = 46;
const VPC1_X = MARGIN;
const VPC2_X = WIDTH - MARGIN - VPC_W;
const GAP_LEFT = VPC1_X + VPC_W;
const GAP_RIGHT = VPC2_X;
const IGW_W = 118;
const IGW_H = 48;
const SUBNET_X = 16;
const SUBNET_Y = 84;
const SUBNET_W = VPC_W - 2 * SUBNET_X;
const SUBNET_H = 200;
const INSTANCE_X = 12;
const INSTANCE_Y = 76;
const INSTANCE_W = SUBNET_W - 2 * INSTANCE_X;
const INSTANCE_H = 112;
const LINK_Y = VPC_Y + 156;
const PEERING_W = 160;
const PEERING_H = 68;
const ROUTE_W = 200;
const ROUTE_H = 52;
const LOWER_Y = VPC_Y + VPC_H + 40;
const FLOW_W = 230;
const LOWER_H = 64;
const LOG_GROUP_X = MARGIN + FLOW_W + 80;
const LOG_GROUP_W = 310;
const ROLE_Y = LOWER_Y + LOWER_H + 44;
const ROLE_W = 390;

// Helvetica's advance widths (per 1000 of the font size) for ASCII space to tilde, from its AFM: enough to shorten a
// long name so that it ends inside its box rather than across the line of the next one.
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
  556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? HELVETICA_WIDTHS[code - 32] : code >= 0x2e80 ? 1000 : 600;
  }
  // Helvetica Bold is about a tenth wider; over-estimating only shortens a little early.
  return (units / 1000) * size * (bold ? 1.1 : 1);
}

/** Shortens in the middle, keeping the start and the end of an id, which is how people compare AWS ids. */
function fit(text: string, maxWidth: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= maxWidth) return text;
  const chars = Array.from(text);
  for (let keep = chars.length - 1; keep > 2; keep--) {
    const head = Math.ceil(keep * 0.6);
    const shortened = `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
    if (textWidth(shortened, size, bold) <= maxWidth) return shortened;
  }
  return `${chars.slice(0, 2).join('')}…`;
}

// Each part is a <g> with an id, so that a page (or a test) can find it; the ids carry the caller's prefix.
function drawVpc(vpc: PictureVpc, x: number, side: 'left' | 'right', id: string): string {
  const out: string[] = [];
  // The internet gateway sits on the VPC's top edge at the outer corner; the VPC's heading fills the inner side.
  const igwX = side === 'left' ? x + 16 : x + VPC_W - 16 - IGW_W;
  const headingX = side === 'left' ? igwX + IGW_W + 16 : x + 14;
  const headingWidth = VPC_W - IGW_W - 46;
  const subnetX = x + SUBNET_X;
  const subnetY = VPC_Y + SUBNET_Y;

  out.push(box(x, VPC_Y, VPC_W, VPC_H, vpc.state, 2, '#fbfbfb'));
  out.push(label(headingX, VPC_Y + 22, vpc.label, 14, { bold: true, maxWidth: headingWidth }));
  out.push(label(headingX, VPC_Y + 38, vpc.cidr, 11, { maxWidth: headingWidth }));
  if (vpc.id) out.push(label(headingX, VPC_Y + 53, vpc.id, 11, { maxWidth: headingWidth }));
  out.push(stateNote(headingX, vpc.id ? VPC_Y + 68 : VPC_Y + 53, vpc.state));

  const igw = vpc.internetGateway;
  const igwCentre = igwX + IGW_W / 2;
  const igwY = VPC_Y - IGW_H / 2;
  const igwOut: string[] = [];
  igwOut.push(line(igwCentre, igwY + IGW_H, igwCentre, subnetY, igw.state));
  igwOut.push(box(igwX, igwY, IGW_W, IGW_H, igw.state, 1.5));
  igwOut.push(label(igwX + 8, igwY + 15, 'Internet gateway', 10, { bold: true }));
  if (igw.id) igwOut.push(label(igwX + 8, igwY + 29, igw.id, 9, { maxWidth: IGW_W - 14 }));
  igwOut.push(stateNote(igwX + 8, igwY + (igw.id ? 42 : 29), igw.state, 9));
  out.push(group(`${id}-igw`, igwOut));

  const subnet = vpc.subnet;
  const subnetWidth = SUBNET_W - 24;
  const subnetOut: string[] = [];
  subnetOut.push(box(subnetX, subnetY, SUBNET_W, SUBNET_H, subnet.state, 1.5, '#f5f8fb'));
  subnetOut.push(label(subnetX + 12, subnetY + 18, 'Public subnet', 12, { bold: true }));
  const subnetLines = [[subnet.id, subnet.cidr].filter(Boolean).join(' · '), subnet.routeTableId && `Route table ${subnet.routeTableId}`].filter(
    (part): part is string => Boolean(part),
  );
  subnetLines.forEach((text, i) => subnetOut.push(label(subnetX + 12, subnetY + 34 + 16 * i, text, 11, { maxWidth: subnetWidth })));
  subnetOut.push(stateNote(subnetX + 12, subnetY + 34 + 16 * subnetLines.length, subnet.state));

  const instance = vpc.instance;
  const instanceX = subnetX + INSTANCE_X;
  const instanceY = subnetY + INSTANCE_Y;
  const instanceWidth = INSTANCE_W - 24;
  const instanceOut: string[] = [];
  instanceOut.push(box(instanceX, instanceY, INSTANCE_W, INSTANCE_H, instance.state, 1.5));
  instanceOut.push(label(instanceX + 12, instanceY + 18, instance.label, 12, { bold: true, maxWidth: instanceWidth }));
  const instanceLines = [
    instance.id,
    instance.privateIp && `Private IP ${instance.privateIp}`,
    instance.publicIp && `Public IP ${instance.publicIp}`,
  ].filter((part): part is string => Boolean(part));
  instanceLines.forEach((text, i) => instanceOut.push(label(instanceX + 12, instanceY + 35 + 16 * i, text, 11, { maxWidth: instanceWidth })));
  instanceOut.push(stateNote(instanceX + 12, instanceY + 35 + 16 * instanceLines.length + 4, instance.state));
  subnetOut.push(group(`${id}-instance`, instanceOut));
  out.push(group(`${id}-subnet`, subnetOut));
  return group(id, out);
}

function drawPeering(picture: NetworkPicture, vpc1: PictureVpc, vpc2: PictureVpc, prefix: string): string {
  const out: string[] = [];
  const peering = picture.peering;
  const px = (GAP_LEFT + GAP_RIGHT - PEERING_W) / 2;
  const py = LINK_Y - PEERING_H / 2;
  const width = PEERING_W - 16;
  // The link is drawn first so that the label box, filled white, sits on top of it.
  out.push(line(GAP_LEFT, LINK_Y, GAP_RIGHT, LINK_Y, peering.state, 2));
  out.push(box(px, py, PEERING_W, PEERING_H, peering.state, 1.5));
  out.push(label(px + 10, py + 16, 'Peering connection', 11, { bold: true }));
  // The status stays in view when the peering needs fixing: "pending-acceptance" is usually why.
  const lines = [peering.id, peering.status].filter((part): part is string => Boolean(part));
  lines.forEach((text, i) => out.push(label(px + 10, py + 31 + 15 * i, text, 10, { maxWidth: width })));
  out.push(stateNote(px + 10, py + 31 + 15 * lines.length, peering.state, 10));

  // Each VPC's route to the other sits on its own side of the link: VPC 1's above, VPC 2's below.
  return (
    group(`${prefix}peering`, out) +
    group(`${prefix}vpc-1-route`, [drawRoute(vpc1, vpc2, GAP_LEFT + 8, py - 12 - ROUTE_H, 'left')]) +
    group(`${prefix}vpc-2-route`, [drawRoute(vpc2, vpc1, GAP_RIGHT - 8 - ROUTE_W, py + PEERING_H + 12, 'right')])
  );
}

function drawRoute(vpc: PictureVpc, other: PictureVpc, x: number, y: number, side: 'left' | 'right'): string {
  const route = vpc.peeringRoute;
  const out: string[] = [];
  const textX = x + 8;
  const width = ROUTE_W - 14;
  const tieX = side === 'left' ? x : x + ROUTE_W;
  out.push(line(side === 'left' ? GAP_LEFT : GAP_RIGHT, y + ROUTE_H / 2, tieX, y + ROUTE_H / 2, route.state));
  out.push(box(x, y, ROUTE_W, ROUTE_H, route.state, 1.5));
  out.push(label(textX, y + 15, `${vpc.label} route to ${other.label}`, 10, { bold: true, maxWidth: width }));
  if (route.state === 'missing') {
    out.push(label(textX, y + 29, `no route to ${other.label}`, 10, { colour: MUTED_INK, maxWidth: width }));
    out.push(stateNote(textX, y + 43, route.state, 10));
    return out.join('');
  }
  if (!route.destination && !route.target) {
    out.push(stateNote(textX, y + 29, route.state, 10));
    return out.join('');
  }
  // The arrow is drawn rather than typed: PDFKit's built-in Helvetica has no "→" glyph.
  const destination = fit(route.destination ?? '?', width / 2, 10);
  const arrowX = textX + textWidth(destination, 10) + 4;
  out.push(label(textX, y + 29, destination, 10));
  out.push(arrow(arrowX, arrowX + 14, y + 25.5, INK, 1));
  out.push(label(arrowX + 18, y + 29, route.target ?? '?', 10, { maxWidth: x + ROUTE_W - 6 - (arrowX + 18) }));
  out.push(stateNote(textX, y + 43, route.state, 10));
  return out.join('');
}

function drawFlowLog(picture: NetworkPicture, vpc1: PictureVpc, prefix: string): string {
  const { flowLog, logGroup, role } = picture;
  const out: string[] = [];
  const flowX = MARGIN;
  const flowCentre = flowX + FLOW_W / 2;
  const middleY = LOWER_Y + LOWER_H / 2;
  const muted = { colour: MUTED_INK };

  // Flow log to VPC 1 (what it watches), to the log group (where it delivers) and to the role (whose rights it uses).
  out.push(line(flowCentre, VPC_Y + VPC_H, flowCentre, LOWER_Y, flowLog.state));
  out.push(label(flowCentre + 6, VPC_Y + VPC_H + 24, `watches ${vpc1.label}`, 10, muted));
  out.push(line(flowX + FLOW_W, middleY, LOG_GROUP_X - 8, middleY, flowLog.state));
  out.push(arrowHead(LOG_GROUP_X - 1, middleY, STROKE[flowLog.state]));
  out.push(label(flowX + FLOW_W + 10, middleY - 6, 'delivers to', 10, muted));
  out.push(part(flowX, LOWER_Y, FLOW_W, `Flow log on ${vpc1.label}`, flowLog.id, flowLog.state));
  return (
    group(`${prefix}flow-log`, out) +
    group(`${prefix}log-group`, [part(LOG_GROUP_X, LOWER_Y, LOG_GROUP_W, 'CloudWatch Logs log group', logGroup.name, logGroup.state)]) +
    group(`${prefix}role`, [
      line(flowCentre, LOWER_Y + LOWER_H, flowCentre, ROLE_Y, role.state),
      label(flowCentre + 6, LOWER_Y + LOWER_H + 26, 'with role', 10, muted),
      part(flowX, ROLE_Y, ROLE_W, 'IAM role', role.name, role.state),
    ])
  );
}

/** A box with a heading, a name and the state: the flow log, the log group and the role. */
function part(x: number, y: number, w: number, heading: string, name: string | undefined, state: PartState): string {
  const width = w - 24;
  return (
    box(x, y, w, LOWER_H, state, 1.5) +
    label(x + 12, y + 18, heading, 12, { bold: true, maxWidth: width }) +
    (name ? label(x + 12, y + 34, name, 11, { maxWidth: width }) : '') +
    stateNote(x + 12, y + (name ? 52 : 34), state)
  );
}

function drawLegend(): string {
  const x = LOG_GROUP_X + LOG_GROUP_W + 30;
  const y = ROLE_Y - 8;
  const out = [label(x, y, 'Key', 11, { bold: true })];
  const rows: Array<[PartState, string]> = [
    ['ok', 'solid: in place'],
    ['failed', `solid, crossed: ${NEEDS_FIXING}`],
    ['missing', `dashed: ${NOT_YET_CREATED}`],
  ];
  rows.forEach(([state, words], i) => {
    const rowY = y + 20 + 18 * i;
    out.push(line(x, rowY - 4, x + 28, rowY - 4, state, 2));
    if (state === 'failed') out.push(cross(x + 34, rowY - 4));
    out.push(label(x + (state === 'failed' ? 46 : 36), rowY, words, 10));
  });
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Primitives: every attribute value and every piece of text goes through esc().

function group(id: string, parts: string[]): string {
  return `<g id="${esc(id)}">${parts.join('')}</g>`;
}

function box(x: number, y: number, w: number, h: number, state: PartState, strokeWidth: number, okFill = FILL.ok): string {
  const fill = state === 'ok' ? okFill : FILL[state];
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="6" ry="6" fill="${fill}" stroke="${STROKE[state]}" stroke-width="${n(strokeWidth)}"${dash(state)}/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, state: PartState, strokeWidth = 1.5): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${STROKE[state]}" stroke-width="${n(strokeWidth)}"${dash(state)}/>`;
}

function dash(state: PartState): string {
  return state === 'missing' ? ` stroke-dasharray="${DASH}"` : '';
}

interface LabelOptions {
  bold?: boolean;
  colour?: string;
  /** Shortened in the middle to fit; the text alternative always has the whole of it. */
  maxWidth?: number;
}

function label(x: number, y: number, text: string, size: number, options: LabelOptions = {}): string {
  const { bold = false, colour = INK, maxWidth } = options;
  const shown = maxWidth === undefined ? text : fit(text, maxWidth, size, bold);
  return `<text x="${n(x)}" y="${n(y)}" font-family="${FONT}" font-size="${size}"${bold ? ' font-weight="bold"' : ''} fill="${colour}">${esc(shown)}</text>`;
}

/** The state in words (and, for a failure, a drawn cross): nothing for ok, since the part's own text says what it is. */
function stateNote(x: number, y: number, state: PartState, size = 11): string {
  if (state === 'ok') return '';
  if (state === 'missing') return label(x, y, NOT_YET_CREATED, size, { colour: MUTED_INK });
  return cross(x + 4, y - size * 0.35) + label(x + 12, y, NEEDS_FIXING, size, { bold: true, colour: STROKE.failed });
}

// Drawn, not typed: PDFKit's built-in Helvetica has no "✗" glyph.
function cross(cx: number, cy: number): string {
  const r = 3.5;
  return `<path d="M${n(cx - r)} ${n(cy - r)} L${n(cx + r)} ${n(cy + r)} M${n(cx + r)} ${n(cy - r)} L${n(cx - r)} ${n(cy + r)}" fill="none" stroke="${STROKE.failed}" stroke-width="1.8"/>`;
}

function arrow(x1: number, x2: number, y: number, colour: string, strokeWidth: number): string {
  return `<line x1="${n(x1)}" y1="${n(y)}" x2="${n(x2 - 4)}" y2="${n(y)}" stroke="${colour}" stroke-width="${n(strokeWidth)}"/>` + arrowHead(x2, y, colour, 4);
}

/** A filled triangle pointing right with its tip at (x, y); markers are avoided for the PDF's sake. */
function arrowHead(x: number, y: number, colour: string, size = 8): string {
  return `<path d="M${n(x)} ${n(y)} L${n(x - size)} ${n(y - size / 2)} L${n(x - size)} ${n(y + size / 2)} Z" fill="${colour}" stroke="none"/>`;
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Escapes for text and attribute values alike, and drops characters XML 1.0 cannot carry at all. */
function esc(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
    if (!allowed) continue;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else out += ch;
  }
  return out;
}
