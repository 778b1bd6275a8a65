import { ConfigError, loadConfig } from '../../server/config';

describe('config', () => {
  it('defaults: every key has a value and the result is frozen', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toMatch(/data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('PUBLIC_URL follows PORT when not set, and loses a trailing slash when set', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://labs.example.com/' }).publicUrl).toBe('https://labs.example.com');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['VERILAB_MODE', 'cloud'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'not a url'],
    ['SESSION_SECRET', 'short'],
  ])('bad %s=%s: stops with a message naming the variable', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain(name);
    expect((caught as Error).message).toContain(value);
  });

  it('mode: sandbox without AWS credentials, aws with them, explicit value wins', () => {
    const noCreds = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' };
    expect(loadConfig(noCreds).mode).toBe('sandbox');
    expect(loadConfig({ ...noCreds, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }).mode).toBe('aws');
    expect(loadConfig({ ...noCreds, AWS_PROFILE: 'lab', VERILAB_MODE: 'sandbox' }).mode).toBe('sandbox');
  });
});
