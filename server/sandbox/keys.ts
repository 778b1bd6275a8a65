// Sandbox account ids and access keys: generated like AWS's, and the secret sealed at rest with AES-256-GCM under a key derived from SESSION_SECRET.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomInt } from 'node:crypto';

/** moto's default account, where requests with keys it does not know land: Verilab's own sandbox identity, never a learner's. */
export const VERILAB_SANDBOX_ACCOUNT = '123456789012';
/** Verilab's own keys inside moto. moto does not check them; the learners' proxy never accepts them. */
export const VERILAB_SANDBOX_CREDENTIALS = { accessKeyId: 'AKIAVERILABSANDBOX00', secretAccessKey: 'verilab-sandbox-operator-key-not-a-secret' };

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEALED_VERSION = 'v1';

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A 12-digit account id that is neither moto's default account nor one of AWS's well-known example ids' leading zeros. */
export function newAccountId(): string {
  for (;;) {
    const id = String(randomInt(100_000_000_000, 1_000_000_000_000));
    if (id !== VERILAB_SANDBOX_ACCOUNT) return id;
  }
}

/** An access key pair shaped like a long-term IAM user key: AKIA + 16 base32 characters, and a 40-character secret. */
export function newAccessKey(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `AKIA${randomFrom(KEY_ALPHABET, 16)}`, secretAccessKey: randomFrom(SECRET_ALPHABET, 40) };
}

export const ACCESS_KEY_ID = /^AKIA[A-Z2-7]{16}$/;

/** Seals and opens sandbox secrets. The access key id is bound in as associated data, so a sealed secret cannot be moved to another key's row. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(sessionSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', sessionSecret, 'verilab-sandbox-keys', 'aes-256-gcm sealed access key secrets v1', 32));
  }

  seal(plain: string, associated: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associated, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [SEALED_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws when the text was sealed under another SESSION_SECRET or was altered. */
  open(sealed: string, associated: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== SEALED_VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed sandbox secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
