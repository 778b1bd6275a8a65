// Password hashing with argon2id (the @node-rs/argon2 default algorithm), and the password rules.
import { hash, verify, type Algorithm } from '@node-rs/argon2';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

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
