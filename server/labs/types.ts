// The shapes of a loaded lab: what the loader produces and the pages and checks read.
export interface Reflection {
  id: string;
  prompt: string;
}

/**
 * The step id under which answers to the introduction's reflection prompts are stored (in the same table as the steps').
 * Step ids are kebab-case (the loader's ID pattern allows only a-z, 0-9 and single dashes), so no step can be called this.
 */
export const INTRO_STEP = '_intro';

export interface Step {
  id: string;
  /** 1-based position in the lab. */
  number: number;
  title: string;
  goal: string;
  goalHtml: string;
  hints: string[];
  hintsHtml: string[];
  reflections: Reflection[];
  html: string;
  /** Path relative to the labs folder, for messages. */
  file: string;
}

export interface Lab {
  id: string;
  title: string;
  summary: string;
  services: string[];
  level: 'beginner' | 'intermediate' | 'advanced';
  estimatedMinutes: number;
  defaultRegion: string;
  introHtml: string;
  /** Prompts the learner answers on the introduction page; their answers are stored under INTRO_STEP. */
  reflections: Reflection[];
  steps: Step[];
  finish?: { title: string; html: string };
  dir: string;
  /** False when lab.md says `checks: false`: the lab is read-only, with no Check buttons. */
  checks: boolean;
}

export interface LabCatalog {
  labs: Lab[];
  get(labId: string): Lab | undefined;
}

/** The file in a lab folder that holds the read-only role Verilab assumes to check the lab. */
export const VERIFIER_TEMPLATE_FILE = 'verifier-role.yaml';
