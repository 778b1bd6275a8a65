// TRUST_PROXY and AWS_PARTITIONS: off and the commercial partition by default, what Express and the SDK accept, and clear errors.
import { ConfigError, loadConfig } from '../../server/config';

function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('config: TRUST_PROXY', () => {
  it('unset: off, also when PUBLIC_URL is https', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ PUBLIC_URL: 'https://labs.example.com' }).trustProxy).toBe(false);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.5', ['10.0.0.5']],
    ['10.0.0.0/8, 192.168.1.0/24,loopback', ['10.0.0.0/8', '192.168.1.0/24', 'loopback']],
    ['fd00::/8,uniquelocal,linklocal', ['fd00::/8', 'uniquelocal', 'linklocal']],
  ])('%s: %j', (value, expected) => {
    const config = loadConfig({ TRUST_PROXY: value });
    expect(config.trustProxy).toEqual(expected);
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
  });

  it.each([['true'], ['yes'], ['-1'], ['1.5'], ['10.0.0.0/33'], ['fd00::/129'], ['10.0.0.0/8,proxy.example.com'], ['10.0.0.0/8/1'], ['10.0.0.0/8,']])(
    '%s: a configuration error naming TRUST_PROXY and the value',
    (value) => {
      const message = problemWith({ TRUST_PROXY: value });
      expect(message).toContain(`TRUST_PROXY (got ${JSON.stringify(value)})`);
      expect(message).toContain('the number of proxies in front of Verilab');
    },
  );
});

describe('config: AWS_PARTITIONS', () => {
  it('unset: the commercial partition only', () => {
    expect(loadConfig({}).awsPartitions).toEqual(['aws']);
  });

  it('a list: each partition once, frozen', () => {
    const config = loadConfig({ AWS_PARTITIONS: 'aws, aws-us-gov,aws' });
    expect(config.awsPartitions).toEqual(['aws', 'aws-us-gov']);
    expect(Object.isFrozen(config.awsPartitions)).toBe(true);
  });

  it.each([['aws-mars'], ['aws,cn'], [' , ']])('%s: a configuration error that lists the partitions', (value) => {
    const message = problemWith({ AWS_PARTITIONS: value });
    expect(message).toContain(`AWS_PARTITIONS (got ${JSON.stringify(value)})`);
    expect(message).toContain('aws, aws-cn, aws-eusc');
  });
});
