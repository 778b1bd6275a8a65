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

  it('sandbox settings: defaults, and minutes and megabytes turned into what the code uses', () => {
    expect(loadConfig({}).sandbox).toEqual({ motoUrl: undefined, motoCommand: 'moto_server', maxShells: 50, shellsPerLearner: 2, shellIdleMs: 30 * 60_000, homeQuotaBytes: 100 * 1024 * 1024, requestsPerSecond: 20 });
    const c = loadConfig({ SANDBOX_MOTO_URL: 'http://10.0.0.5:5000/', SANDBOX_SHELL_IDLE_MINUTES: '5', SANDBOX_HOME_QUOTA_MB: '20' }).sandbox;
    expect(c).toMatchObject({ motoUrl: 'http://10.0.0.5:5000', shellIdleMs: 300_000, homeQuotaBytes: 20 * 1024 * 1024 });
  });

  it('checks at once: 8 in sandbox mode, 64 on AWS, CHECK_CONCURRENCY over either; refused when not a positive number', () => {
    expect(loadConfig({ VERILAB_MODE: 'sandbox' }).checkConcurrency).toBe(8);
    expect(loadConfig({ VERILAB_MODE: 'aws' }).checkConcurrency).toBe(64);
    expect(loadConfig({ VERILAB_MODE: 'aws', CHECK_CONCURRENCY: '5' }).checkConcurrency).toBe(5);
    expect(() => loadConfig({ CHECK_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ CHECK_CONCURRENCY: 'many' })).toThrow(ConfigError);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['VERILAB_MODE', 'cloud'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'not a url'],
    ['SESSION_SECRET', 'short'],
    ['SANDBOX_MOTO_URL', 'moto:5000'],
    ['SANDBOX_MOTO_URL', 'ftp://127.0.0.1:5000'],
    ['SANDBOX_MAX_SHELLS', '0'],
    ['SANDBOX_SHELLS_PER_LEARNER', 'many'],
    ['SANDBOX_SHELL_IDLE_MINUTES', '-5'],
    ['SANDBOX_HOME_QUOTA_MB', '1.5'],
    ['SANDBOX_REQUESTS_PER_SECOND', '0'],
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
