// The pino logger factory; secrets are redacted by path so they never reach the log.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization', '*.secretAccessKey', '*.sessionToken', 'credentials'],
      censor: '[redacted]',
    },
  });
}
