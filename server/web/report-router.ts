// Completion reports: the learner's own at /reports/:labId (page, PDF, regenerate, share, revoke), the public shared
// page at /r/:token, and what the instructors' pages need to show a learner's report.
import { Router, type Request, type Response } from 'express';
import { AppError, NotFoundError } from '../errors';
import type { Lab, LabCatalog } from '../labs/types';
import { networkDiagram } from '../reports/diagram';
import type { ReportService } from '../reports/service';
import { maskAccountId, withAccountMasked, type Report } from '../reports/types';
import type { Store } from '../store';
import type { StoredReport } from '../store/reports';
import type { VerifyEngine } from '../verify/engine';
import { respond } from './respond';

export const REPORT_PAGE_MESSAGES = {
  NO_REPORT: 'There is no report for this lab yet: it is written when every step has passed.',
  SHARE_NOT_FOUND: 'This report link does not exist or was revoked by its owner.',
  PAPER_INVALID: 'Choose the paper size a4 or letter.',
} as const;

interface Deps {
  store: Store;
  labs: LabCatalog;
  reports: ReportService;
  engine: Pick<VerifyEngine, 'accountClients'>;
  publicUrl: string;
}

/** The paper from ?paper=…: A4 unless the reader asks for US Letter. */
function paperOf(req: Request): 'A4' | 'LETTER' {
  const paper = req.query.paper;
  if (paper === undefined || paper === 'a4' || paper === 'A4') return 'A4';
  if (paper === 'letter' || paper === 'LETTER') return 'LETTER';
  throw new AppError(400, 'PAPER_INVALID', REPORT_PAGE_MESSAGES.PAPER_INVALID);
}

/** "vpc-flow-logs.pdf" → the lab and the PDF; "vpc-flow-logs" → the lab's page. Unknown labs are 404. */
function labOf(labs: LabCatalog, param: string): { lab: Lab; pdf: boolean } {
  const pdf = param.endsWith('.pdf');
  const lab = labs.get(pdf ? param.slice(0, -4) : param);
  if (!lab) throw new NotFoundError('LAB_NOT_FOUND');
  return { lab, pdf };
}

export const shareUrl = (publicUrl: string, token: string) => `${publicUrl}/r/${token}`;

/** Everything the report partial shows; `shared` hides the email and says how anyone can check the page. */
export function reportLocals(fullReport: Report, options: { shared?: boolean; sharedAt?: string | null; verifyUrl?: string } = {}) {
  // The account id shows only masked, wherever it appears (records, ARNs), on every page that shows a report.
  const report = withAccountMasked(fullReport, fullReport.accountId);
  return {
    report,
    diagram: networkDiagram(report.network, { idPrefix: 'report-net-', title: `${report.learnerName}'s network` }),
    maskedAccount: maskAccountId(report.accountId),
    shared: Boolean(options.shared),
    sharedAt: options.sharedAt ?? null,
    verifyUrl: options.verifyUrl,
  };
}

async function sendPdf(res: Response, report: Report, paper: 'A4' | 'LETTER', options: { shared: boolean; verifyUrl?: string }) {
  // pdfkit, its SVG drawing and fonts take about 23 MB once loaded: a process pays for them at its first PDF, not at start.
  const { reportPdf } = await import('../reports/pdf');
  const pdf = await reportPdf(report, networkDiagram(report.network, { idPrefix: 'pdf-net-', title: `${report.learnerName}'s network` }), { size: paper, shared: options.shared, verifyUrl: options.verifyUrl });
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', `attachment; filename="${report.labId}-report.pdf"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.send(pdf);
}

/** Mounted at /reports behind requireUser: only ever the signed-in learner's own reports. */
export function reportRouter({ store, labs, reports, engine, publicUrl }: Deps): Router {
  const router = Router();

  router.get('/:lab', async (req, res) => {
    const { lab, pdf } = labOf(labs, req.params.lab);
    const user = req.user!;
    const stored = await store.reports.get(user.id, lab.id);
    if (pdf) {
      if (!stored) throw new NotFoundError('REPORT_NOT_FOUND', REPORT_PAGE_MESSAGES.NO_REPORT);
      return sendPdf(res, stored.report, paperOf(req), { shared: false });
    }
    if (stored) {
      return respond(req, res, {
        json: () => res.json({ report: stored.report, shared: Boolean(stored.shareToken), url: stored.shareToken ? shareUrl(publicUrl, stored.shareToken) : undefined }),
        html: () => res.render('report', { title: `Report · ${lab.title}`, lab, ...reportLocals(stored.report), stored, shareLink: stored.shareToken ? shareUrl(publicUrl, stored.shareToken) : undefined }),
      });
    }
    const finished = await reports.finished(user.id, lab.id);
    const soFar = await reports.progressSoFar(user, lab.id);
    return respond(req, res, {
      json: () => res.status(404).json({ error: { code: 'REPORT_NOT_FOUND', message: REPORT_PAGE_MESSAGES.NO_REPORT }, finished, progress: soFar }),
      html: () => res.render('report-progress', { title: `Progress so far · ${lab.title}`, lab, report: soFar, finished }),
    });
  });

  router.post('/:lab/regenerate', async (req, res) => {
    const { lab } = labOf(labs, req.params.lab);
    const user = req.user!;
    if (!(await reports.finished(user.id, lab.id))) throw new AppError(409, 'LAB_NOT_FINISHED', REPORT_PAGE_MESSAGES.NO_REPORT);
    const stored = await reports.generate(user, lab.id, await engine.accountClients(user));
    return respond(req, res, { json: () => res.json({ generatedAt: stored.generatedAt }), html: () => res.redirect(303, `/reports/${lab.id}`) });
  });

  router.post('/:lab/share', async (req, res) => {
    const { lab } = labOf(labs, req.params.lab);
    const token = await store.reports.share(req.user!.id, lab.id);
    if (!token) throw new NotFoundError('REPORT_NOT_FOUND', REPORT_PAGE_MESSAGES.NO_REPORT);
    return respond(req, res, { json: () => res.json({ url: shareUrl(publicUrl, token) }), html: () => res.redirect(303, `/reports/${lab.id}#share`) });
  });

  router.post('/:lab/share/revoke', async (req, res) => {
    const { lab } = labOf(labs, req.params.lab);
    if (!(await store.reports.get(req.user!.id, lab.id))) throw new NotFoundError('REPORT_NOT_FOUND', REPORT_PAGE_MESSAGES.NO_REPORT);
    const revoked = await store.reports.revoke(req.user!.id, lab.id);
    return respond(req, res, { json: () => res.json({ revoked }), html: () => res.redirect(303, `/reports/${lab.id}#share`) });
  });

  return router;
}

/** Mounted at /r for everyone: a shared report, without the email, the account masked, with how to check it. */
export function sharedReportRouter({ store, publicUrl }: Pick<Deps, 'store' | 'publicUrl'>): Router {
  const router = Router();
  const find = async (token: string): Promise<StoredReport> => {
    const stored = await store.reports.byShareToken(token);
    if (!stored) throw new NotFoundError('SHARE_NOT_FOUND', REPORT_PAGE_MESSAGES.SHARE_NOT_FOUND);
    return stored;
  };
  router.get('/:token', async (req, res) => {
    const pdf = req.params.token.endsWith('.pdf');
    const token = pdf ? req.params.token.slice(0, -4) : req.params.token;
    const stored = await find(token);
    const verifyUrl = shareUrl(publicUrl, token);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    if (pdf) return sendPdf(res, stored.report, paperOf(req), { shared: true, verifyUrl });
    res.render('report-shared', { title: `${stored.report.labTitle}: ${stored.report.learnerName}`, ...reportLocals(stored.report, { shared: true, sharedAt: stored.sharedAt, verifyUrl }), pdfHref: `/r/${token}.pdf` });
  });
  return router;
}
