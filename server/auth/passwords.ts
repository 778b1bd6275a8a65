// Password hashing with argon2id (the @node-rs/argon2 default algorithm), and the password rules.
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export const PASSWORD_MESSAGES = {
  BLANK: 'Password cannot be only spaces.',
  REPEATED: 'Password cannot be one character repeated. Choose something harder to guess.',
  COMMON: 'That password is one of the most common ones, which attackers try first. Choose another: a few unrelated words make a good one.',
} as const;

/**
 * Why a new password is too easy to guess, or undefined. Length is checked before this; this catches what is long
 * enough and still weak. The common-password list is compared without case and surrounding spaces, as people type it.
 */
export function passwordWeakness(password: string): string | undefined {
  const trimmed = password.trim();
  if (trimmed.length === 0) return PASSWORD_MESSAGES.BLANK;
  // By code point, so a repeated emoji counts as one character repeated.
  if (new Set(trimmed).size === 1) return PASSWORD_MESSAGES.REPEATED;
  if (COMMON_PASSWORDS.has(trimmed.toLowerCase())) return PASSWORD_MESSAGES.COMMON;
  return undefined;
}

/** Algorithm.Argon2id: the package declares a const enum, which per-file transpilation (jest, isolatedModules) cannot inline; tsc checks the value. */
const ARGON2ID: Algorithm.Argon2id = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** A malformed stored hash counts as a wrong password, not a crash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
