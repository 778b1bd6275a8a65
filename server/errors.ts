// AppError and the catalogue of error codes with the messages users see.
export const MESSAGES = {
  NOT_FOUND: 'We could not find that page.',
  LAB_NOT_FOUND: 'There is no lab with that name.',
  STEP_NOT_FOUND: 'This lab has no step with that name.',
  BAD_REQUEST: 'The request was not understood.',
  INTERNAL: 'Something went wrong on our side. Please try again in a moment.',
} as const;

export type ErrorCode = keyof typeof MESSAGES | (string & {});

export interface AppErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra fields safe to show the client (for example field-level form errors). */
  details?: Record<string, unknown>;
  /** A 5xx whose message is still meant for the user (AWS is throttling, AWS timed out). */
  expose?: boolean;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;
  readonly expose: boolean;

  constructor(status: number, code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? (MESSAGES as Record<string, string>)[code] ?? MESSAGES.INTERNAL, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    this.expose = options.expose ?? status < 500;
  }
}

export class NotFoundError extends AppError {
  constructor(code: ErrorCode = 'NOT_FOUND', message?: string, options?: AppErrorOptions) {
    super(404, code, message, options);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
