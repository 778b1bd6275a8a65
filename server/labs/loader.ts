// Loads lab folders (lab.md, steps/NN-<id>.md, finish.md), validates their front matter and renders them once.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CONTAINER_NAMES, createMarkdown, renderChecked, renderInline, type LabMode } from './markdown';
import type { Lab, LabCatalog, Reflection, Step } from './types';

// No id can contain "_": answers to the introduction's prompts are stored under the step id INTRO_STEP ('_intro').
const ID = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9 and single dashes)');
const text = z.string().trim().min(1, 'must not be empty');
/** Reflection prompts, in lab.md (the introduction's) and in each step: optional, each an id and a prompt. */
const reflections = z.array(z.strictObject({ id: ID, prompt: text })).default([]);

const labSchema = z.strictObject({
  id: ID,
  title: text,
  summary: text,
  services: z.array(text).min(1, 'must list at least one service'),
  level: z.enum(['beginner', 'intermediate', 'advanced']),
  estimatedMinutes: z.number().int().positive(),
  defaultRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1'),
  steps: z.array(ID).min(1, 'must list at least one step'),
  reflections,
  /** A lab whose steps have no automatic checks says so; otherwise a missing checks module is an error. */
  checks: z.boolean().default(true),
});

const stepSchema = z.strictObject({
  id: ID,
  title: text,
  goal: text,
  hints: z.array(text).min(1, 'must have at least one hint'),
  reflections,
});

const finishSchema = z.strictObject({ title: text });

const STEP_FILE = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;

export interface LabProblem {
  file: string;
  field?: string;
  message: string;
}

export class LabLoadError extends Error {
  constructor(readonly problems: LabProblem[]) {
    super(`Lab content is invalid:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'LabLoadError';
  }
}

export function formatProblem(p: LabProblem): string {
  return `${p.file}${p.field ? `: field "${p.field}"` : ''}: ${p.message}`;
}

export interface LoadOptions {
  /** The mode pages are rendered for (default 'aws'); validation is the same in both. */
  mode?: LabMode;
}

interface Document {
  data: unknown;
  body: string;
  /** How many lines of the file come before the body, so body line numbers can be reported as file lines. */
  bodyLine: number;
}

function splitFrontMatter(source: string): { yaml: string; body: string; bodyLine: number } | undefined {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source);
  if (!match) return undefined;
  return { yaml: match[1], body: source.slice(match[0].length), bodyLine: match[0].split('\n').length - 1 };
}

function zodProblems(file: string, error: z.ZodError): LabProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { file, field: issue.keys.join(', '), message: 'is not a known field' };
    }
    const field = issue.path.map(String).join('.') || undefined;
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return { file, field, message: missing ? 'is missing' : issue.message };
  });
}

/** Every heading, tab, callout and solution fence must be closed: a stray `:::` would show as text. */
function strayContainers(html: string): boolean {
  return /(^|>|\n):::/.test(html);
}

const UNKNOWN_CONTAINER = `has an unknown or unclosed ":::" block (${CONTAINER_NAMES.join(', ')})`;

class Collector {
  readonly problems: LabProblem[] = [];
  constructor(private readonly root: string) {}

  rel(file: string): string {
    return path.relative(path.dirname(this.root), file) || file;
  }

  add(file: string, message: string, field?: string): void {
    this.problems.push({ file: this.rel(file), field, message });
  }

  readDocument(file: string): Document | undefined {
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      this.add(file, 'file is missing or unreadable');
      return undefined;
    }
    const parts = splitFrontMatter(source);
    if (!parts) {
      this.add(file, 'must start with YAML front matter between two "---" lines');
      return undefined;
    }
    try {
      return { data: parseYaml(parts.yaml) ?? {}, body: parts.body, bodyLine: parts.bodyLine };
    } catch (err) {
      this.add(file, `front matter is not valid YAML: ${(err as Error).message.split('\n')[0].replace(/:\s*$/, '')}`);
      return undefined;
    }
  }

  parse<T>(file: string, schema: z.ZodType<T>, data: unknown): T | undefined {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    this.problems.push(...zodProblems(this.rel(file), result.error));
    return undefined;
  }

  /** Reflection ids are unique within their file: an answer is stored by lab, step and prompt id. */
  uniqueReflections(file: string, reflections: Reflection[]): void {
    const seen = new Set<string>();
    reflections.forEach((r, i) => {
      if (seen.has(r.id)) this.add(file, `duplicate reflection id "${r.id}"`, `reflections.${i}.id`);
      seen.add(r.id);
    });
  }

  /** Renders a document body and reports its broken `:::` blocks, including those of the mode not rendered. */
  render(file: string, doc: Document, md: ReturnType<typeof createMarkdown>): string {
    const { html, unclosed, stray } = renderChecked(md, doc.body);
    if (stray || strayContainers(html)) this.add(file, UNKNOWN_CONTAINER);
    for (const block of unclosed) {
      this.add(file, `has an unclosed "::: ${block.name}" block (opened on line ${doc.bodyLine + block.line + 1})`);
    }
    return html;
  }
}

function loadLab(dir: string, collector: Collector, md: ReturnType<typeof createMarkdown>): Lab | undefined {
  const labFile = path.join(dir, 'lab.md');
  const labDoc = collector.readDocument(labFile);
  const meta = labDoc && collector.parse(labFile, labSchema, labDoc.data);

  const stepsDir = path.join(dir, 'steps');
  const stepFiles = fs.existsSync(stepsDir) ? fs.readdirSync(stepsDir).filter((f) => !f.startsWith('.')).sort() : [];
  if (stepFiles.length === 0) collector.add(stepsDir, 'folder is missing or has no step files');

  const steps = new Map<string, Step>();
  const stepPaths = new Map<string, string>();
  // Ids whose file exists but is broken: its own problem is reported, so lab.md's list is not blamed too.
  const brokenIds = new Set<string>();
  for (const name of stepFiles) {
    const file = path.join(stepsDir, name);
    const match = STEP_FILE.exec(name);
    if (!match) {
      collector.add(file, 'step file names must look like NN-<step-id>.md (for example 01-vpcs.md)');
      continue;
    }
    brokenIds.add(match[2]);
    const doc = collector.readDocument(file);
    const data = doc && collector.parse(file, stepSchema, doc.data);
    if (!doc || !data) continue;
    if (data.id !== match[2]) {
      collector.add(file, `is "${data.id}" but the file name says "${match[2]}"`, 'id');
      continue;
    }
    if (steps.has(data.id)) {
      collector.add(file, `duplicate step id "${data.id}" (also in ${steps.get(data.id)!.file})`, 'id');
      continue;
    }
    collector.uniqueReflections(file, data.reflections);
    const html = collector.render(file, doc, md);
    brokenIds.delete(data.id);
    stepPaths.set(data.id, file);
    steps.set(data.id, {
      ...data,
      number: 0,
      goalHtml: renderInline(md, data.goal),
      hintsHtml: data.hints.map((h) => renderInline(md, h)),
      html,
      file: collector.rel(file),
    });
  }

  let finish: Lab['finish'];
  const finishFile = path.join(dir, 'finish.md');
  if (fs.existsSync(finishFile)) {
    const doc = collector.readDocument(finishFile);
    const data = doc && collector.parse(finishFile, finishSchema, doc.data);
    if (doc && data) finish = { title: data.title, html: collector.render(finishFile, doc, md) };
  }

  if (!meta || !labDoc) return undefined;
  collector.uniqueReflections(labFile, meta.reflections);
  if (meta.id !== path.basename(dir)) {
    collector.add(labFile, `is "${meta.id}" but the folder is "${path.basename(dir)}"`, 'id');
  }
  const ordered: Step[] = [];
  const listed = new Set<string>();
  meta.steps.forEach((id, i) => {
    if (listed.has(id)) {
      collector.add(labFile, `lists step "${id}" twice`, `steps.${i}`);
      return;
    }
    listed.add(id);
    const step = steps.get(id);
    if (!step) {
      if (brokenIds.has(id)) return;
      collector.add(labFile, `lists step "${id}" but there is no steps/NN-${id}.md`, `steps.${i}`);
      return;
    }
    ordered.push({ ...step, number: ordered.length + 1 });
  });
  for (const step of steps.values()) {
    if (!listed.has(step.id)) collector.add(stepPaths.get(step.id)!, `step "${step.id}" is not listed in lab.md`, 'steps');
  }
  const introHtml = collector.render(labFile, labDoc, md);

  const { steps: _ids, ...rest } = meta;
  return { ...rest, introHtml, steps: ordered, finish, dir };
}

function labDirsUnder(root: string): string[] {
  if (fs.existsSync(path.join(root, 'lab.md'))) return [root];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(path.join(root, e.name, 'lab.md')))
    .map((e) => path.join(root, e.name))
    .sort();
}

/**
 * Loads every lab under `root` (a folder of lab folders, or one lab folder), rendered for `options.mode`. Any mistake
 * anywhere throws a LabLoadError listing all of them, so a lab is never half-served.
 */
export function loadLabs(root: string, options: LoadOptions = {}): LabCatalog {
  const resolved = path.resolve(root);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
    throw new LabLoadError([{ file: root, message: 'labs folder does not exist' }]);
  }
  const collector = new Collector(fs.existsSync(path.join(resolved, 'lab.md')) ? path.dirname(resolved) : resolved);
  const md = createMarkdown({ mode: options.mode ?? 'aws' });
  const dirs = labDirsUnder(resolved);
  if (dirs.length === 0) collector.add(resolved, 'contains no lab folders (each needs a lab.md)');
  const labs: Lab[] = [];
  for (const dir of dirs) {
    const lab = loadLab(dir, collector, md);
    if (!lab) continue;
    if (labs.some((l) => l.id === lab.id)) {
      collector.add(path.join(dir, 'lab.md'), `duplicate lab id "${lab.id}"`, 'id');
      continue;
    }
    labs.push(lab);
  }
  if (collector.problems.length > 0) throw new LabLoadError(collector.problems);
  const byId = new Map(labs.map((l) => [l.id, l]));
  return { labs, get: (id) => byId.get(id) };
}
