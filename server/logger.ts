// The pino logger factory; secrets are redacted by path so they never reach the log. The access line (request-log.ts)
// names its fields and carries no headers; the header paths are here in case a later change logs a whole request: the
// session and CSRF cookies, SigV4 signatures (the sandbox's signing proxy receives the learner's Authorization header),
// STS session tokens, and new session cookies.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization', 'req.headers["x-amz-security-token"]', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', '*.secretAccessKey', '*.sessionToken', 'credentials'],
      censor: '[redacted]',
    },
  });
}
