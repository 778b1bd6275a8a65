// The completion report as a PDF: the report page's content in the same order, set in embedded DejaVu fonts.
import { readFile } from 'node:fs/promises';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { maskAccountId, withAccountMasked, type Report, type ReportReflection } from './types';

export interface ReportPdfOptions {
  size: 'A4' | 'LETTER';
  /** A shared report never prints the learner's email. */
  shared?: boolean;
  verifyUrl?: string;
}

export interface ReportDiagram {
  svg: string;
  /** The diagram's text alternative, printed beneath it. */
  text: string;
}

type Doc = PDFKit.PDFDocument;

const TEXT = {
  kicker: 'Verilab completion report',
  introduction: 'Introduction',
  architecture: 'Architecture',
  records: 'Flow logs explained',
  recordsNote: "A few of the flow records VPC 1's flow log wrote during the lab, each in plain words.",
  topTransfers: 'Top 10 byte transfers',
  topTransfersNote: 'Computed by Verilab from the flow records: bytes summed by source and destination.',
  noTransfers: 'No flow records could be read when the report was written.',
  query: 'Your Logs Insights query',
  queryResult: 'Its result',
  noQueryRows: 'Its result could no longer be read (Logs Insights keeps results for a limited time).',
  verification: 'Verification',
  skipped: "(skipped: passed by Verilab's solution)",
  notPassed: 'Not passed',
  modeAws: '(AWS)',
  modeSandbox: '(sandbox: an emulated AWS account)',
  whereAws: 'AWS',
  whereSandbox: 'Verilab sandbox (an emulated AWS account)',
} as const;

// The standard 14 PDF fonts cover Latin-1 at best: a learner's name in another script, or the "•" of a masked account id,
// would print as nothing. DejaVu covers both, and pdfkit embeds only the glyphs used.
const FONT = { regular: 'Report-Regular', bold: 'Report-Bold', mono: 'Report-Mono' } as const;
type FontName = (typeof FONT)[keyof typeof FONT];

const COLOR = { text: '#1f2937', muted: '#4b5563', heading: '#0f3d66', rule: '#d1d5db', shade: '#f3f4f6', link: '#1d4ed8' };
// Wide enough on both A4 (595 pt) and Letter (612 pt); the footer sits inside the bottom margin.
const MARGINS = { top: 56, bottom: 64, left: 56, right: 56 };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

let fontFiles: Promise<Record<FontName, Buffer>> | undefined;

/** Read once per process; require.resolve finds the package from ts-jest and from dist/ alike. */
function loadFonts(): Promise<Record<FontName, Buffer>> {
  fontFiles ??= (async () => {
    const [regular, bold, mono] = await Promise.all(
      ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((file) => readFile(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))),
    );
    return { [FONT.regular]: regular, [FONT.bold]: bold, [FONT.mono]: mono } as Record<FontName, Buffer>;
  })().catch((err: unknown) => {
    fontFiles = undefined;
    throw err;
  });
  return fontFiles;
}

export async function reportPdf(fullReport: Report, fullDiagram: ReportDiagram, options: ReportPdfOptions): Promise<Buffer> {
  // A default-format flow record carries the account id in full (its second field), and so may an ARN in a reflection or the query.
  const report = withAccountMasked(fullReport, fullReport.accountId);
  const diagram = withAccountMasked(fullDiagram, fullReport.accountId);
  const fonts = await loadFonts();
  const generatedAt = new Date(report.generatedAt);
  const doc = new PDFDocument({
    size: options.size,
    margins: MARGINS,
    bufferPages: true,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: `${report.labTitle}: ${report.learnerName}`,
      Author: 'Verilab',
      Subject: TEXT.kicker,
      ...(isValidDate(generatedAt) ? { CreationDate: generatedAt } : {}),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const [name, data] of Object.entries(fonts)) doc.registerFont(name, data);

  writeHeader(doc, report, options);
  writeIntroduction(doc, report);
  for (const step of report.steps) {
    heading(doc, `Step ${step.number}. ${step.title}`);
    bulletList(doc, step.sentences);
    reflections(doc, step.reflections);
    const passed = step.passedAt ? `Passed at ${formatDateTime(step.passedAt)}` : TEXT.notPassed;
    paragraph(doc, step.skipped ? `${passed} ${TEXT.skipped}` : passed, { size: 9, color: COLOR.muted });
  }
  writeDiagram(doc, diagram);
  writeRecords(doc, report);
  writeTransfers(doc, report);
  writeVerification(doc, report, options);
  writePageNumbers(doc);

  doc.end();
  return done;
}

function writeHeader(doc: Doc, report: Report, options: ReportPdfOptions): void {
  paragraph(doc, TEXT.kicker.toUpperCase(), { size: 8, color: COLOR.muted, characterSpacing: 1 });
  paragraph(doc, report.labTitle, { font: FONT.bold, size: 20, color: COLOR.heading, gap: 0.4 });
  paragraph(doc, report.learnerName, { font: FONT.bold, size: 13 });
  if (!options.shared) paragraph(doc, report.learnerEmail, { size: 9.5, color: COLOR.muted });
  doc.moveDown(0.4);
  paragraph(
    doc,
    `Completed ${formatDate(report.generatedAt)}  ·  Time taken ${formatMinutes(report.totalMinutes)}  ·  Active time ${formatMinutes(report.activeMinutes)}`,
    { size: 10, color: COLOR.muted },
  );
  const where = report.mode === 'sandbox' ? TEXT.whereSandbox : TEXT.whereAws;
  paragraph(doc, `${where}, ${report.region}`, { size: 10, color: COLOR.muted });
  rule(doc);
}

function writeIntroduction(doc: Doc, report: Report): void {
  heading(doc, TEXT.introduction);
  paragraph(doc, report.intro.summary, { gap: 0.4 });
  reflections(doc, report.intro.reflections);
}

function writeDiagram(doc: Doc, diagram: ReportDiagram): void {
  heading(doc, TEXT.architecture);
  const width = contentWidth(doc);
  const { svg, ratio } = fitSvg(diagram.svg);
  const maxHeight = (doc.page.height - MARGINS.top - MARGINS.bottom) * 0.6;
  const height = Math.min(width * ratio, maxHeight);
  ensureSpace(doc, height + 24);
  const top = doc.y;
  SVGtoPDF(doc, svg, MARGINS.left, top, {
    width,
    height,
    fontCallback: (family, bold, italic, fontOptions) => {
      fontOptions.fauxItalic = italic;
      if (/mono|courier|consol/i.test(family ?? '')) return FONT.mono;
      return bold ? FONT.bold : FONT.regular;
    },
    // Warnings are about SVG features svg-to-pdfkit skips (filters, some CSS); the diagram still draws, so they are not errors.
    warningCallback: () => undefined,
  });
  doc.x = MARGINS.left;
  doc.y = top + height + 6;
  paragraph(doc, diagram.text, { size: 8, color: COLOR.muted });
}

function writeRecords(doc: Doc, report: Report): void {
  if (report.records.length === 0) return;
  heading(doc, TEXT.records);
  paragraph(doc, TEXT.recordsNote, { size: 9, color: COLOR.muted, gap: 0.4 });
  for (const record of report.records) {
    ensureSpace(doc, 40);
    paragraph(doc, record.words, { gap: 0.15 });
    paragraph(doc, record.line, { font: FONT.mono, size: 7.5, color: COLOR.muted, inset: 10, gap: 0.6 });
  }
}

function writeTransfers(doc: Doc, report: Report): void {
  const rows = report.topTransfers.map((t, i) => [String(i + 1), t.src, t.dst, formatBytes(t.bytes)]);
  // The heading, its note and a table that fits on a page stay together.
  heading(doc, TEXT.topTransfers, 30 + tableHeight(doc, TRANSFER_COLUMNS, rows));
  paragraph(doc, TEXT.topTransfersNote, { size: 9, color: COLOR.muted, gap: 0.4 });
  if (rows.length === 0) paragraph(doc, TEXT.noTransfers, { size: 9, color: COLOR.muted });
  else table(doc, TRANSFER_COLUMNS, rows);

  const query = report.query;
  if (!query) return;
  doc.moveDown(0.8);
  ensureSpace(doc, 80);
  paragraph(doc, TEXT.query, { font: FONT.bold, size: 11, gap: 0.2 });
  const context = [query.logGroupName && `Over ${query.logGroupName}`, query.ranAt && `run ${formatDateTime(query.ranAt)}`].filter(Boolean);
  if (context.length > 0) paragraph(doc, context.join(', '), { size: 9, color: COLOR.muted, gap: 0.2 });
  codeBlock(doc, query.queryString);
  doc.moveDown(0.4);
  paragraph(doc, TEXT.queryResult, { font: FONT.bold, size: 10, gap: 0.2 });
  if (query.results.length === 0) paragraph(doc, TEXT.noQueryRows, { size: 9, color: COLOR.muted });
  // The learner's own columns, as Logs Insights named them in the query the lab asks for.
  else table(doc, QUERY_COLUMNS, query.results.map((t) => [t.src, t.dst, formatBytes(t.bytes)]));
}

function writeVerification(doc: Doc, report: Report, options: ReportPdfOptions): void {
  heading(doc, TEXT.verification);
  const mode = report.mode === 'aws' ? TEXT.modeAws : TEXT.modeSandbox;
  paragraph(doc, `Checked by Verilab against AWS account ${maskAccountId(report.accountId)} on ${formatDate(report.generatedAt)} ${mode}`);
  if (!options.verifyUrl) return;
  doc.moveDown(0.3);
  setFont(doc, FONT.regular, 10, COLOR.text);
  doc.text('Verify this report at ', MARGINS.left, doc.y, { width: contentWidth(doc), continued: true });
  // Only a web address becomes a link: the URL comes from configuration, but a PDF link can launch other schemes.
  const linkable = /^https?:\/\//i.test(options.verifyUrl);
  doc.fillColor(linkable ? COLOR.link : COLOR.text).text(options.verifyUrl, linkable ? { link: options.verifyUrl } : {});
}

function writePageNumbers(doc: Doc): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Text below the bottom margin would make pdfkit start a new page; the footer lives there, so lift the margin while writing it.
    doc.page.margins.bottom = 0;
    setFont(doc, FONT.regular, 8, COLOR.muted);
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, MARGINS.left, doc.page.height - MARGINS.bottom + 24, {
      width: doc.page.width - MARGINS.left - MARGINS.right,
      align: 'center',
      lineBreak: false,
    });
    doc.page.margins.bottom = MARGINS.bottom;
  }
}

interface ParagraphStyle {
  font?: FontName;
  size?: number;
  color?: string;
  /** Points in from the left margin. */
  inset?: number;
  /** Space after, in lines of the current size. */
  gap?: number;
  characterSpacing?: number;
}

function paragraph(doc: Doc, text: string, style: ParagraphStyle = {}): void {
  const inset = style.inset ?? 0;
  setFont(doc, style.font ?? FONT.regular, style.size ?? 10, style.color ?? COLOR.text);
  doc.text(text, MARGINS.left + inset, doc.y, { width: contentWidth(doc) - inset, lineGap: 1.5, characterSpacing: style.characterSpacing ?? 0 });
  if (style.gap) doc.moveDown(style.gap);
}

/** `keepWith`: how much of what follows must fit on the heading's page; by default a couple of lines. */
function heading(doc: Doc, text: string, keepWith = 36): void {
  doc.moveDown(0.9);
  ensureSpace(doc, 20 + Math.min(keepWith, pageBottom(doc) - MARGINS.top - 20));
  paragraph(doc, text, { font: FONT.bold, size: 13, color: COLOR.heading, gap: 0.35 });
}

function bulletList(doc: Doc, items: string[]): void {
  if (items.length === 0) return;
  setFont(doc, FONT.regular, 10, COLOR.text);
  doc.list(items, MARGINS.left + 4, doc.y, { width: contentWidth(doc) - 4, bulletRadius: 1.6, textIndent: 11, lineGap: 1.5, paragraphGap: 2 });
  doc.moveDown(0.4);
}

function reflections(doc: Doc, items: ReportReflection[]): void {
  for (const reflection of items) {
    ensureSpace(doc, 36);
    paragraph(doc, reflection.prompt, { font: FONT.bold, size: 9.5, color: COLOR.muted, gap: 0.1 });
    paragraph(doc, reflection.text, { inset: 10, gap: 0.5 });
  }
}

/** The query in monospace on a shaded panel; a query too long for one page flows on without the panel. */
function codeBlock(doc: Doc, code: string): void {
  const pad = 6;
  const width = contentWidth(doc);
  setFont(doc, FONT.mono, 8, COLOR.text);
  const height = doc.heightOfString(code, { width: width - 2 * pad, lineGap: 1.5 }) + 2 * pad;
  if (height > doc.page.height - MARGINS.top - MARGINS.bottom) {
    paragraph(doc, code, { font: FONT.mono, size: 8, inset: pad });
    return;
  }
  ensureSpace(doc, height);
  const top = doc.y;
  doc.rect(MARGINS.left, top, width, height).fill(COLOR.shade);
  setFont(doc, FONT.mono, 8, COLOR.text);
  doc.text(code, MARGINS.left + pad, top + pad, { width: width - 2 * pad, lineGap: 1.5 });
  doc.x = MARGINS.left;
  doc.y = top + height;
}

interface Column {
  header: string;
  /** Share of the content width. */
  share: number;
  align: 'left' | 'right';
}

const TRANSFER_COLUMNS: Column[] = [
  { header: '#', share: 0.1, align: 'left' },
  { header: 'Source', share: 0.34, align: 'left' },
  { header: 'Destination', share: 0.34, align: 'left' },
  { header: 'Bytes', share: 0.22, align: 'right' },
];

const QUERY_COLUMNS: Column[] = [
  { header: 'srcAddr', share: 0.39, align: 'left' },
  { header: 'dstAddr', share: 0.39, align: 'left' },
  { header: 'bytesTransferred', share: 0.22, align: 'right' },
];

const CELL_PAD = 4;
const CELL_SIZE = 9;

function columnWidths(doc: Doc, columns: Column[]): number[] {
  return columns.map((c) => c.share * contentWidth(doc));
}

function rowHeight(doc: Doc, columns: Column[], cells: string[], font: FontName): number {
  const widths = columnWidths(doc, columns);
  setFont(doc, font, CELL_SIZE, COLOR.text);
  return Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i] - 2 * CELL_PAD }))) + 2 * CELL_PAD;
}

function tableHeight(doc: Doc, columns: Column[], rows: string[][]): number {
  const header = rowHeight(doc, columns, columns.map((c) => c.header), FONT.bold);
  return rows.reduce((sum, row) => sum + rowHeight(doc, columns, row, FONT.regular), header);
}

/** Columns share the content width and cells wrap, so a long address never runs off the page; the header repeats on each page. */
function table(doc: Doc, columns: Column[], rows: string[][]): void {
  const pad = CELL_PAD;
  const width = contentWidth(doc);
  const widths = columnWidths(doc, columns);
  const drawRow = (cells: string[], font: FontName, height: number): void => {
    const top = doc.y;
    let x = MARGINS.left;
    setFont(doc, font, CELL_SIZE, COLOR.text);
    cells.forEach((cell, i) => {
      doc.text(cell, x + pad, top + pad, { width: widths[i] - 2 * pad, align: columns[i].align });
      x += widths[i];
    });
    doc
      .moveTo(MARGINS.left, top + height)
      .lineTo(MARGINS.left + width, top + height)
      .lineWidth(font === FONT.bold ? 0.8 : 0.4)
      .strokeColor(COLOR.rule)
      .stroke();
    doc.x = MARGINS.left;
    doc.y = top + height;
  };
  const headers = columns.map((c) => c.header);
  const headerHeight = rowHeight(doc, columns, headers, FONT.bold);
  const heights = rows.map((row) => rowHeight(doc, columns, row, FONT.regular));
  const whole = headerHeight + heights.reduce((sum, h) => sum + h, 0);
  // A table that fits on one page starts on a fresh one rather than splitting; a longer one splits where the page ends.
  ensureSpace(doc, whole <= pageBottom(doc) - MARGINS.top ? whole : headerHeight + (heights[0] ?? 0));
  drawRow(headers, FONT.bold, headerHeight);
  rows.forEach((row, i) => {
    if (doc.y + heights[i] > pageBottom(doc)) {
      doc.addPage();
      drawRow(headers, FONT.bold, headerHeight);
    }
    drawRow(row, FONT.regular, heights[i]);
  });
}

function rule(doc: Doc): void {
  doc.moveDown(0.6);
  doc
    .moveTo(MARGINS.left, doc.y)
    .lineTo(MARGINS.left + contentWidth(doc), doc.y)
    .lineWidth(0.8)
    .strokeColor(COLOR.rule)
    .stroke();
}

function setFont(doc: Doc, font: FontName, size: number, color: string): void {
  doc.font(font).fontSize(size).fillColor(color);
}

function contentWidth(doc: Doc): number {
  return doc.page.width - MARGINS.left - MARGINS.right;
}

function pageBottom(doc: Doc): number {
  return doc.page.height - MARGINS.bottom;
}

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > pageBottom(doc)) doc.addPage();
  doc.x = MARGINS.left;
}

/**
 * The SVG sized by its viewBox alone, and its height as a share of its width. svg-to-pdfkit draws a root with width and
 * height attributes at that pixel size, whatever space it is given, so they go, and become the viewBox if there is none.
 */
function fitSvg(svg: string): { svg: string; ratio: number } {
  const root = /<svg\b[^>]*>/i.exec(svg);
  if (!root) return { svg, ratio: 0.6 };
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(root[0])?.[1];
  const box = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  const hasBox = box?.length === 4 && box[2] > 0 && box[3] > 0;
  const [boxWidth, boxHeight] = hasBox ? [box[2], box[3]] : [parseFloat(attr('width') ?? ''), parseFloat(attr('height') ?? '')];
  if (!(boxWidth > 0 && boxHeight > 0)) return { svg, ratio: 0.6 };
  let tag = root[0].replace(/\s(width|height)\s*=\s*(["'])[^"']*\2/gi, '');
  if (!hasBox) tag = tag.replace(/\sviewBox\s*=\s*(["'])[^"']*\1/gi, '').replace(/^<svg\b/i, `<svg viewBox="0 0 ${boxWidth} ${boxHeight}"`);
  return { svg: svg.replace(root[0], () => tag), ratio: boxHeight / boxWidth };
}

/** Every string in `value` with the full account id replaced by its masked form; `accountId` itself kept for the verification line. */
function isValidDate(date: Date): boolean {
  return !Number.isNaN(date.getTime());
}

/** "5 March 2025", in UTC like every time in the report. */
function formatDate(iso: string): string {
  const date = new Date(iso);
  if (!isValidDate(date)) return iso;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "5 March 2025, 14:03 UTC". */
function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (!isValidDate(date)) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${formatDate(iso)}, ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

/** "2 h 05 min", "45 min". */
function formatMinutes(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  return hours === 0 ? `${rest} min` : `${hours} h ${String(rest).padStart(2, '0')} min`;
}

/** "1,234,567": grouped by hand so the PDF does not depend on the server's locale. */
function formatBytes(bytes: number): string {
  return String(Math.round(bytes)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
