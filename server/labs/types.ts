// The shapes of a loaded lab: what the loader produces and the pages and checks read.
export interface Reflection {
  id: string;
  prompt: string;
}

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
