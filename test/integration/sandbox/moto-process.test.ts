// startMoto's port: without one, moto binds a port of its own and startMoto reads it back, so no other process can take
// it in between; a port it is told to use is kept, and when that port is taken it fails and says why.
import fs from 'node:fs';
import net from 'node:net';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startMoto, type MotoProcess } from '../../../server/sandbox/moto-process';
import { TEST_AWS_CREDENTIALS } from '../../helpers/credentials';

jest.setTimeout(120_000);

let blocker: net.Server;
let takenPort: number;
const started: MotoProcess[] = [];

beforeAll(async () => {
  // Something else listening, that takes connections and never answers.
  blocker = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  takenPort = (blocker.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(started.map((m) => m.stop()));
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

it('no port given: each moto listens on a port of its own, which its url names, and answers there', async () => {
  const motos = await Promise.all([startMoto(), startMoto()]);
  started.push(...motos);
  const [a, b] = motos;
  expect(a.port).toBeGreaterThan(0);
  expect(a.port).not.toBe(b.port);
  expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
  // moto was asked for a port of its own: no port was picked beforehand for another process to take meanwhile.
  for (const m of motos) {
    const args = fs.readFileSync(`/proc/${m.pid}/cmdline`, 'utf8').split('\0');
    expect(args[args.indexOf('-p') + 1]).toBe('0');
  }
  for (const m of motos) expect((await fetch(`${m.url}/moto-api/data.json`)).ok).toBe(true);
  // Each is its own moto: a VPC made in one is not in the other.
  const ec2 = (url: string) => new EC2Client({ endpoint: url, region: 'us-east-1', credentials: TEST_AWS_CREDENTIALS });
  const vpc = await ec2(a.url).send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
  const ids = async (url: string) => ((await ec2(url).send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.VpcId);
  expect(await ids(a.url)).toContain(vpc.Vpc!.VpcId);
  expect(await ids(b.url)).not.toContain(vpc.Vpc!.VpcId);
});

it('a port it was told to use is taken: it fails, naming the reason, and does not move to another port', async () => {
  await expect(startMoto({ port: takenPort })).rejects.toThrow(/exited with code 1: .*Address already in use/s);
});

it('a port it was told to use is free: moto listens there', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const m = await startMoto({ port });
  started.push(m);
  expect(m.port).toBe(port);
  expect((await fetch(`${m.url}/moto-api/data.json`)).ok).toBe(true);
});
