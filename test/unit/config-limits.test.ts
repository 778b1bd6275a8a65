// The limits on what costs: sign-up attempts per address and role connections per learner, with their defaults and refusals.
import { ConfigError, DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR, loadConfig } from '../../server/config';

describe('config: limits', () => {
  it('defaults: 200 sign-up attempts per address per hour, 10 role connections per learner per 15 minutes', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ authRateLimitPer15Min: 20, signupRateLimitPerHour: 200, connectRateLimitPer15Min: 10 });
    expect(DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR).toBe(200);
  });

  it('set: read as numbers', () => {
    expect(loadConfig({ SIGNUP_RATE_LIMIT_PER_HOUR: '500', CONNECT_RATE_LIMIT_PER_15_MIN: '3' })).toMatchObject({ signupRateLimitPerHour: 500, connectRateLimitPer15Min: 3 });
  });

  it.each([
    ['SIGNUP_RATE_LIMIT_PER_HOUR', '0'],
    ['SIGNUP_RATE_LIMIT_PER_HOUR', 'lots'],
    ['CONNECT_RATE_LIMIT_PER_15_MIN', '-1'],
    ['CONNECT_RATE_LIMIT_PER_15_MIN', '2.5'],
  ])('bad %s=%s: stops with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name} \\(got "${value.replace('.', '\\.')}"\\)`));
  });
});
