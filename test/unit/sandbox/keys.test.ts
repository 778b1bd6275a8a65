// Sandbox keys: shapes like AWS's, and secrets sealed so that only the same SESSION_SECRET and key id open them.
import { ACCESS_KEY_ID, newAccessKey, newAccountId, SecretBox, VERILAB_SANDBOX_ACCOUNT } from '../../../server/sandbox/keys';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';

describe('sandbox keys', () => {
  it('new access keys: AKIA plus 16 base32 characters, and a 40-character secret; no two alike', () => {
    const keys = Array.from({ length: 200 }, () => newAccessKey());
    for (const k of keys) {
      expect(k.accessKeyId).toMatch(ACCESS_KEY_ID);
      expect(k.accessKeyId).toHaveLength(20);
      expect(k.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    }
    expect(new Set(keys.map((k) => k.accessKeyId)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.secretAccessKey)).size).toBe(keys.length);
  });

  it('new account ids: 12 digits, never moto\'s default account', () => {
    for (let i = 0; i < 500; i++) {
      const id = newAccountId();
      expect(id).toMatch(/^[1-9]\d{11}$/);
      expect(id).not.toBe(VERILAB_SANDBOX_ACCOUNT);
    }
  });

  it('seal then open: returns the secret; the sealed text does not contain it', () => {
    const box = new SecretBox(SECRET);
    const { accessKeyId, secretAccessKey } = newAccessKey();
    const sealed = box.seal(secretAccessKey, accessKeyId);
    expect(sealed).not.toContain(secretAccessKey);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, accessKeyId)).toBe(secretAccessKey);
    // A fresh IV each time: sealing twice gives two different texts.
    expect(box.seal(secretAccessKey, accessKeyId)).not.toBe(sealed);
  });

  it('open: refuses another SESSION_SECRET, another key id, and any altered byte', () => {
    const box = new SecretBox(SECRET);
    const sealed = box.seal('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAAAAAAAAAAAAAAAAA');
    expect(() => new SecretBox(`${SECRET}-other`).open(sealed, 'AKIAAAAAAAAAAAAAAAAA')).toThrow();
    expect(() => box.open(sealed, 'AKIABBBBBBBBBBBBBBBB')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'AKIAAAAAAAAAAAAAAAAA')).toThrow();
    expect(() => box.open('plain-text-secret', 'AKIAAAAAAAAAAAAAAAAA')).toThrow(/not a sealed/);
  });
});
