// Form validation: zod schemas for user input, field errors in plain words, and the rules every text field shares.
import { z } from 'zod';
import { AppError } from '../errors';

// Control characters other than tab and newlines never belong in a form field.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * A single-line or multi-line plain-text field: trimmed, bounded, no control characters. Angle brackets are welcome
 * ("cost < budget", the lab's own <instance 2 private IP>): text is stored as typed and escaped wherever it is shown.
 */
export function plainText(label: string, max: number, options: { min?: number; multiline?: boolean } = {}) {
  const min = options.min ?? 1;
  return z
    .string({ error: `${label} must be text.` })
    .transform((s) => s.replace(/\r\n/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(min, min === 1 ? `${label} is required.` : `${label} must be at least ${min} characters.`)
        .max(max, `${label} must be at most ${max} characters.`)
        .refine((s) => !CONTROL.test(s), `${label} contains characters that are not allowed.`)
        .refine((s) => options.multiline || !/\n/.test(s), `${label} must be a single line.`),
    );
}

export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Validates a body against a schema; on failure returns the first message per field and the submitted values as strings. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): FormResult<T> {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const result = schema.safeParse(source);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.code === 'invalid_type' && issue.input === undefined ? 'This field is required.' : issue.message;
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string' && key !== '_csrf' && !/password/i.test(key)) values[key] = value;
  }
  return { ok: false, errors, values };
}

/** The error for a JSON client; HTML forms re-render instead. */
export function validationError(errors: FieldErrors, status = 400): AppError {
  const first = Object.values(errors)[0] ?? 'Please check the form.';
  return new AppError(status, 'VALIDATION_FAILED', first, { details: { fields: errors } });
}

/** Only same-site paths may be returned to after signing in (no open redirects). */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > 500) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || CONTROL.test(next)) return fallback;
  return next;
}
