// Verilab.SimulateTraffic through the real signing proxy and moto: signed like any AWS call, answered by the simulator, records in the flow log's group.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRouteCommand, DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import express from 'express';
import { LAB_LOG_GROUP } from '../../../labs/vpc-flow-logs/lab-model';
import { solve, type LabState } from '../../../labs/vpc-flow-logs/solve';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import { labClientsFactory } from '../../../server/sandbox/lab-clients';
import { sandboxProxy, type SandboxKey } from '../../../server/sandbox/proxy';
import { trafficIntercept, type TrafficInterceptDeps } from '../../../server/sandbox/traffic/proxy-action';
import { silentLogger } from '../../helpers/app';
import { LEARNER_ACCOUNT, learnerClients, motoForThisFile, REGION } from '../../helpers/moto';

const moto = motoForThisFile();

function key(accountId: string, userId: string): SandboxKey {
  return { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64'), accountId, userId };
}
const OWNER = key(LEARNER_ACCOUNT, 'learner-owner');
const OTHER = key('222233334444', 'learner-other');
const KEYS = new Map([OWNER, OTHER].map((k) => [k.accessKeyId, k]));

let server: http.Server;
let port: number;
/** Noise is off except in the test about it, which sets it here (the intercept reads it on each call). */
let noise: TrafficInterceptDeps['noise'];
const deps = (clientsFor: TrafficInterceptDeps['clientsFor']): TrafficInterceptDeps => ({
  clientsFor,
  logger: silentLogger,
  get noise() {
    return noise;
  },
});
afterEach(() => {
  noise = undefined;
});

beforeAll(async () => {
  const app = express();
  const clientsFor = labClientsFactory({ endpoint: () => moto().url });
  app.use('/sandbox/aws', sandboxProxy({ lookupKey: async (id) => KEYS.get(id), motoUrl: () => moto().url, logger: silentLogger, intercepts: [trafficIntercept(deps(clientsFor))] }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A SimulateTraffic call signed with the SDK's own SigV4 signer for the service `verilab`, as the shell's tools sign it. */
async function simulate(body: unknown, as: SandboxKey = OWNER, target = 'Verilab.SimulateTraffic'): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/sandbox/aws/',
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: payload,
  });
  const signer = new SignatureV4({ credentials: as, region: REGION, service: 'verilab', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(request);
  const res = await fetch(`http://127.0.0.1:${port}/sandbox/aws/`, { method: 'POST', headers: signed.headers as Record<string, string>, body: payload });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function records() {
  const out = await learnerClients(moto()).logs.send(new FilterLogEventsCommand({ logGroupName: LAB_LOG_GROUP }));
  return (out.events ?? []).map((e) => parseFlowRecord(e.message!, e.logStreamName!)!);
}

async function lab(): Promise<LabState> {
  return solve(learnerClients(moto()), ['vpcs', 'instances', 'flow-logs', 'iam-role']);
}

describe('Verilab.SimulateTraffic through the proxy', () => {
  it('ping of 3 echoes to B\'s public address: delivered and replied, and request and reply records land in the flow log\'s group', async () => {
    const s = await lab();
    // Three echoes inside one minute: echoes on both sides of a minute boundary would make two records per flow (as AWS does).
    const minute = Math.floor(Date.now() / 60_000) * 60 - 60;
    const { status, json } = await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'icmp', times: [minute + 20, minute + 21, minute + 22] });
    expect(status).toBe(200);
    expect(json).toMatchObject({ delivered: true, replied: true, undelivered: [] });
    expect(json.recordsWritten).toBe(2);
    expect((json.hops as { kind: string }[]).some((h) => h.kind === 'internet-gateway')).toBe(true);
    const got = await records();
    expect(got.map((r) => [r.srcAddr, r.dstAddr, r.protocol, r.packets, r.action])).toEqual(
      expect.arrayContaining([
        [s.a!.privateIp, s.b!.publicIp, 1, 3, 'ACCEPT'],
        [s.b!.publicIp, s.a!.privateIp, 1, 3, 'ACCEPT'],
      ]),
    );
  });

  it('dryRun: the same decision, and nothing is written', async () => {
    const s = await lab();
    const { status, json } = await simulate({ from: s.a!.instanceId, to: s.b!.privateIp, protocol: 'icmp', times: [Math.floor(Date.now() / 1000)], dryRun: true });
    expect(status).toBe(200);
    expect(json).toMatchObject({ delivered: false, replied: false, recordsWritten: 0 });
    expect((json.explanation as string[]).join(' ')).toContain('internet gateway cannot deliver to a private address');
    expect(await records()).toHaveLength(0);
  });

  it('a call that writes decides on the network as it is now, even right after a dry run was cached', async () => {
    const s = await lab();
    const c = learnerClients(moto());
    expect((await simulate({ from: s.a!.instanceId, to: s.b!.privateIp, protocol: 'icmp', dryRun: true })).json.replied).toBe(false);
    await solve(c, ['peering'], { state: s });
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.b!.routeTableId, DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    const { json } = await simulate({ from: s.a!.instanceId, to: s.b!.privateIp, protocol: 'icmp', count: 2 });
    expect(json).toMatchObject({ delivered: true, replied: true });
  });

  it('a dry run to an instance launched after the network was cached still finds it: a view without both ends is read again', async () => {
    const s = await lab();
    const c = learnerClients(moto());
    expect((await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'icmp', dryRun: true })).json.replied).toBe(true);
    const image = (await c.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!.ImageId!;
    const launched = await c.ec2.send(
      new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: s.b!.subnetId, Groups: [s.b!.securityGroupId!], AssociatePublicIpAddress: true }] }),
    );
    const third = launched.Instances![0]!.PublicIpAddress ?? launched.Instances![0]!.NetworkInterfaces![0]!.Association!.PublicIp!;
    expect((await simulate({ from: s.a!.instanceId, to: third, protocol: 'icmp', dryRun: true })).json).toMatchObject({ delivered: true, replied: true });
  });

  it("tcp to a port B's security group keeps closed: not delivered; A's flow log records the SYN leaving (B has no flow log)", async () => {
    const s = await lab();
    const { json } = await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'tcp', port: 80, times: [Math.floor(Date.now() / 1000)] });
    expect(json).toMatchObject({ delivered: false, replied: false });
    const got = await records();
    expect(got.map((r) => [r.srcAddr, r.dstAddr, r.protocol, r.dstPort, r.action])).toEqual([[s.a!.privateIp, s.b!.publicIp, 6, 80, 'ACCEPT']]);
  });

  it('bad input: 400 ValidationException naming each member, and nothing is written', async () => {
    const s = await lab();
    const cases: [unknown, RegExp][] = [
      [{ from: s.a!.instanceId, to: 'not-an-ip', protocol: 'icmp' }, /'to'.*IPv4/],
      [{ from: 'sg-123', to: '10.2.0.4', protocol: 'icmp' }, /'from'.*instance id/],
      [{ from: s.a!.instanceId, to: '10.2.0.4', protocol: 'tcp' }, /'port'.*needs a port/],
      [{ from: s.a!.instanceId, to: '10.2.0.4', protocol: 'icmp', count: 2, times: [1] }, /count or times, not both/],
      [{ from: s.a!.instanceId, to: '10.2.0.4', protocol: 'icmp', times: [1] }, /within the last 24 hours/],
      [{ from: s.a!.instanceId, to: '10.2.0.4', protocol: 'icmp', dryrun: true }, /Unrecognized key/i],
      ['a string', /not a JSON object/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await simulate(body);
      expect({ body, status, type: json.__type }).toEqual({ body, status: 400, type: 'ValidationException' });
      expect(json.message).toMatch(message);
    }
    expect(await records()).toHaveLength(0);
  });

  it("another learner's key cannot use this account's instance: in their own account the engine finds no such instance", async () => {
    const s = await lab();
    const { status, json } = await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'icmp', count: 1 }, OTHER);
    expect(status).toBe(200);
    expect(json).toMatchObject({ delivered: false, replied: false, recordsWritten: 0 });
    expect((json.hops as { says: string }[])[0]!.says).toContain(`${s.a!.instanceId} is not an instance or network interface with a private address in this account`);
    expect(await records()).toHaveLength(0);
  });

  it('with noise on, an SSH probe at A (whose group admits SSH) is written with the ping, both ways; a dry run writes none', async () => {
    const s = await lab();
    noise = { random: () => 0.1, rate: 1 };
    await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'icmp', count: 1, dryRun: true });
    expect(await records()).toEqual([]);
    await simulate({ from: s.a!.instanceId, to: s.b!.publicIp, protocol: 'icmp', count: 1 });
    const ssh = (await records()).filter((r) => r.protocol === 6);
    expect(ssh.map((r) => [r.srcAddr === s.a!.privateIp ? 'out' : 'in', r.dstPort === 22 || r.srcPort === 22, r.action])).toEqual(
      expect.arrayContaining([
        ['in', true, 'ACCEPT'],
        ['out', true, 'ACCEPT'],
      ]),
    );
  });

  it('another action of the verilab service is not answered by the traffic action, and never reaches moto', async () => {
    const { status, json } = await simulate({}, OWNER, 'Verilab.ResetEverything');
    expect(status).toBe(400);
    expect(json.__type).toBe('UnknownOperationException');
    expect(json.message).toBe('The verilab service of the Verilab sandbox has no action ResetEverything.');
  });
});
