// Instance shells end to end: real bwrap and PTY, the real signing proxy with the traffic action, moto, and the learner's lab built by solve.ts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AuthorizeSecurityGroupIngressCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import express from 'express';
import WebSocket from 'ws';
import { LAB_LOG_GROUP } from '../../../labs/vpc-flow-logs/lab-model';
import { solve, type LabState } from '../../../labs/vpc-flow-logs/solve';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import { labClientsFactory } from '../../../server/sandbox/lab-clients';
import { sandboxProxy, type SandboxKey } from '../../../server/sandbox/proxy';
import { createShellService, type ShellService } from '../../../server/sandbox/shell';
import { trafficIntercept } from '../../../server/sandbox/traffic/proxy-action';
import { silentLogger } from '../../helpers/app';
import { learnerClients, REGION, startMoto, type Moto } from '../../helpers/moto';

jest.setTimeout(120_000);

const ORIGIN = 'http://verilab.test';

/** Learner n: their own moto account, key and shell uid. */
function learner(n: number): SandboxKey & { id: string; shellUid: number } {
  const accountId = String(400000000000 + n);
  return { id: `learner-${n}`, userId: `learner-${n}`, accountId, shellUid: 61300 + n, accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
}
const LEARNERS = new Map<string, ReturnType<typeof learner>>();
function me(n: number) {
  const id = `learner-${n}`;
  if (!LEARNERS.has(id)) LEARNERS.set(id, learner(n));
  return LEARNERS.get(id)!;
}

/** Terminal output without colour and other escapes, and with plain \n line ends. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** Drives one terminal over the WebSocket: the output is kept as text, and waits are for patterns in it. */
class Terminal {
  output = '';
  closed?: { code: number };
  private waiters: (() => void)[] = [];
  private marks = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.output += data.toString('utf8');
      this.waiters.forEach((w) => w());
    });
    ws.on('close', (code) => {
      this.closed = { code };
      this.waiters.forEach((w) => w());
    });
  }

  static open(url: string, user: string, query = ''): Promise<Terminal> {
    const ws = new WebSocket(`${url}?cols=160&rows=40${query}`, { headers: { 'x-test-user': user }, origin: ORIGIN });
    const term = new Terminal(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(term));
      ws.once('error', reject);
    });
  }

  waitFor(pattern: RegExp, timeoutMs = 30_000, from = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(plain(this.output.slice(from)));
        if (m) {
          done();
          resolve(this.output.length);
        } else if (this.closed) {
          done();
          reject(new Error(`closed (${this.closed.code}) before ${pattern}; output:\n${plain(this.output).slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}; output:\n${plain(this.output).slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  waitClosed(timeoutMs = 20_000): Promise<{ code: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not closed; output:\n${plain(this.output).slice(-2000)}`)), timeoutMs);
      const check = () => {
        if (this.closed) {
          clearTimeout(timer);
          resolve(this.closed);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'));
  }

  /** Runs a command and returns what it printed, up to an end marker the shell computes (so the typed line never matches). */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    this.marks += 1;
    const n = this.marks;
    const start = this.output.length;
    this.type(`${command}; echo "__done${n}_$((${n}*1000+7))_status=$?"\r`);
    await this.waitFor(new RegExp(`__done${n}_${n * 1000 + 7}_status=\\d+`), timeoutMs, start);
    return plain(this.output.slice(start));
  }

  close(): void {
    this.ws.close();
  }
}

function status(out: string): number {
  return Number(/_status=(\d+)/.exec(out)?.[1]);
}

let moto: Moto;
let tmp: string;
let proxyServer: http.Server;
let shellServer: http.Server;
let service: ShellService;
let url: string;

beforeAll(async () => {
  moto = await startMoto();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-instance-shell-'));
  const socketPath = path.join(tmp, 'aws.sock');
  const inAccount = labClientsFactory({ endpoint: () => moto.url });
  const lookupKey = async (id: string) => [...LEARNERS.values()].find((l) => l.accessKeyId === id);
  const app = express();
  app.use(sandboxProxy({ lookupKey, motoUrl: () => moto.url, logger: silentLogger, intercepts: [trafficIntercept({ clientsFor: inAccount, logger: silentLogger })] }));
  proxyServer = http.createServer(app);
  await new Promise<void>((resolve) => proxyServer.listen(socketPath, resolve));

  service = createShellService({
    dataDir: path.join(tmp, 'data'),
    proxySocketPath: socketPath,
    credentialsFor: async (userId) => {
      const l = LEARNERS.get(userId)!;
      return { accountId: l.accountId, accessKeyId: l.accessKeyId, secretAccessKey: l.secretAccessKey, region: REGION, shellUid: l.shellUid };
    },
    ec2For: (accountId, region) => inAccount(accountId, region).ec2,
    authenticate: async (req) => {
      const id = req.headers['x-test-user'];
      return typeof id === 'string' ? { id } : undefined;
    },
    allowedOrigin: ORIGIN,
    maxShells: 10,
    maxShellsPerLearner: 3,
    logger: silentLogger,
  });
  shellServer = http.createServer((_req, res) => res.writeHead(404).end());
  service.attach(shellServer);
  await new Promise<void>((resolve) => shellServer.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(shellServer.address() as AddressInfo).port}/shell/ws`;
  expect(await service.available()).toEqual({ ok: true });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  shellServer?.closeAllConnections();
  await new Promise<void>((resolve) => (shellServer ? shellServer.close(() => resolve()) : resolve()));
  proxyServer?.closeAllConnections();
  await new Promise<void>((resolve) => (proxyServer ? proxyServer.close(() => resolve()) : resolve()));
  await moto?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The lab up to its flow log, in learner n's own account. */
async function labFor(n: number): Promise<LabState> {
  return solve(learnerClients(moto, me(n).accountId), ['vpcs', 'instances', 'flow-logs', 'iam-role']);
}

async function records(n: number) {
  const out = await learnerClients(moto, me(n).accountId).logs.send(new FilterLogEventsCommand({ logGroupName: LAB_LOG_GROUP }));
  return (out.events ?? []).map((e) => parseFlowRecord(e.message!, e.logStreamName!)!);
}

/**
 * Packets and bytes per flow, summed over its records: packets a second apart can fall into two aggregation windows
 * when a minute turns, and are then two records.
 */
function flows(records: ReturnType<typeof parseFlowRecord>[]): Record<string, { packets: number; bytes: number }> {
  const out: Record<string, { packets: number; bytes: number }> = {};
  for (const r of records) {
    const key = `${r!.srcAddr} > ${r!.dstAddr} ${r!.protocol}/${r!.dstPort} ${r!.action}`;
    out[key] = { packets: (out[key]?.packets ?? 0) + r!.packets!, bytes: (out[key]?.bytes ?? 0) + r!.bytes! };
  }
  return out;
}

function hostOf(ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}`;
}

describe('instance shells (real bwrap, proxy and simulator)', () => {
  it("Connect to A: its host name and prompt; ping -c 3 to B's public address prints 3 replies and the statistics, and the records land in the flow log's group", async () => {
    const s = await labFor(1);
    const a = s.a!;
    const term = await Terminal.open(url, me(1).id, `&instance=${a.instanceId}`);
    await term.waitFor(new RegExp(`\\[ec2-user@${hostOf(a.privateIp!)} ~\\]\\$ `));
    expect(term.output).toContain('Amazon Linux 2023');
    expect(await term.run('hostname; echo "id=$VERILAB_INSTANCE_ID ip=$VERILAB_INSTANCE_IP"')).toContain(`${hostOf(a.privateIp!)}\nid=${a.instanceId} ip=${a.privateIp}\n`);
    const b = s.b!.publicIp!;
    const out = await term.run(`ping -c 3 ${b}`);
    expect(out).toContain(`PING ${b} (${b}) 56(84) bytes of data.`);
    expect(out.match(new RegExp(`64 bytes from ${b.replace(/\./g, '\\.')}: icmp_seq=[123] ttl=\\d+ time=[\\d.]+ ms`, 'g'))).toHaveLength(3);
    expect(out).toMatch(new RegExp(`--- ${b.replace(/\./g, '\\.')} ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time \\d+ms\nrtt min/avg/max/mdev = [\\d.]+/[\\d.]+/[\\d.]+/[\\d.]+ ms\n`));
    expect(status(out)).toBe(0);
    // the three echoes, a second apart, aggregated per direction with their real times
    const got = await records(1);
    expect(flows(got)).toEqual({
      [`${a.privateIp} > ${s.b!.publicIp} 1/0 ACCEPT`]: { packets: 3, bytes: 252 },
      [`${s.b!.publicIp} > ${a.privateIp} 1/0 ACCEPT`]: { packets: 3, bytes: 252 },
    });
    expect(Math.max(...got.map((r) => r.end!)) - Math.min(...got.map((r) => r.start!))).toBeGreaterThanOrEqual(1);

    // Ctrl-C ends a ping with its statistics, and SIGTERM still writes its records
    const before = term.output.length;
    term.type(`ping ${s.b!.publicIp}\r`);
    await term.waitFor(/icmp_seq=2 /, 15_000, before);
    term.type('\x03');
    await term.waitFor(/\^C\n--- [\d.]+ ping statistics ---\n[23] packets transmitted, [23] received, 0% packet loss/, 15_000, before);
    expect(status(await term.run(`timeout -s TERM 1.5 ping -q ${s.b!.publicIp}`))).toBe(124);
    const sent = flows(await records(1))[`${a.privateIp} > ${s.b!.publicIp} 1/0 ACCEPT`]!.packets;
    expect(sent).toBeGreaterThanOrEqual(3 + 2 + 2);
    term.close();
  });

  it("ping to B's private address before peering: no reply lines, 100% packet loss, exit status 1, and an ACCEPT record of the echoes leaving A", async () => {
    const s = await labFor(2);
    const term = await Terminal.open(url, me(2).id, `&instance=${s.a!.instanceId}`);
    await term.waitFor(/\[ec2-user@ip-[\d-]+ ~\]\$ /);
    const out = await term.run(`ping -c 2 ${s.b!.privateIp}`);
    expect(out).not.toMatch(/bytes from/);
    expect(out).toContain('2 packets transmitted, 0 received, 100% packet loss');
    expect(out).not.toContain('rtt min/avg/max/mdev');
    expect(status(out)).toBe(1);
    expect(flows(await records(2))).toEqual({ [`${s.a!.privateIp} > ${s.b!.privateIp} 1/0 ACCEPT`]: { packets: 2, bytes: 168 } });
    term.close();
  });

  it('from the cloud shell: ping says there is no network here; aws ec2-instance-connect ssh --instance-id opens the instance prompt, and exit returns', async () => {
    const s = await labFor(3);
    const term = await Terminal.open(url, me(3).id);
    await term.waitFor(/learner@cloudshell[^\n]*\$ /);
    const none = await term.run(`ping -c 1 ${s.b!.publicIp}`);
    expect(none).toContain('the cloud shell has no network of its own');
    expect(none).toContain('aws ec2-instance-connect ssh --instance-id');
    expect(status(none)).toBe(2);
    // the wrapper leaves every other command to the real CLI
    expect(await term.run('aws sts get-caller-identity --query Account --output text')).toContain(`\n${me(3).accountId}\n`);
    const start = term.output.length;
    term.type(`aws ec2-instance-connect ssh --instance-id ${s.a!.instanceId}\r`);
    await term.waitFor(new RegExp(`\\[ec2-user@${hostOf(s.a!.privateIp!)} ~\\]\\$ `), 30_000, start);
    expect(await term.run('hostname')).toContain(`\n${hostOf(s.a!.privateIp!)}\n`);
    const ping = await term.run(`ping -c 1 ${s.b!.publicIp}`);
    expect(ping).toContain('1 packets transmitted, 1 received, 0% packet loss');
    const back = term.output.length;
    term.type('exit\r');
    await term.waitFor(new RegExp(`Connection to ${s.a!.publicIp!.replace(/\./g, '\\.')} closed\\.[\\s\\S]*learner@cloudshell[^\\n]*\\$ `), 20_000, back);
    const missing = await term.run('aws ec2-instance-connect ssh --instance-id i-0123456789abcdef0');
    expect(missing).toMatch(/InvalidInstanceID\.NotFound|was not found/);
    // A variable that is not set in this shell: say so, rather than claim the option was left out.
    const unset = await term.run('aws ec2-instance-connect ssh --instance-id "$NOT_SET_HERE"');
    expect(unset).toContain('argument --instance-id: the value is empty. If you used a variable, it is not set in this shell');
    term.close();
  });

  it('curl, ssh, nc: a SYN the security group drops times out; sshd on 22 denies the key; a port let in with nothing listening is refused', async () => {
    const s = await labFor(4);
    const c = learnerClients(moto, me(4).accountId);
    // A's group lets SSH in from anywhere; open 80 too, where nothing listens
    await c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: s.a!.securityGroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const term = await Terminal.open(url, me(4).id, `&instance=${s.a!.instanceId}`);
    await term.waitFor(/\[ec2-user@ip-[\d-]+ ~\]\$ /);
    const started = Date.now();
    const curl = await term.run(`curl --connect-timeout 2 http://${s.b!.publicIp}/`);
    expect(curl).toMatch(/curl: \(28\) Connection timed out after \d+ milliseconds/);
    expect(status(curl)).toBe(28);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    // the SYN sent again after a second is a second packet of the same flow
    expect(flows(await records(4))).toEqual({ [`${s.a!.privateIp} > ${s.b!.publicIp} 6/80 ACCEPT`]: { packets: 2, bytes: expect.any(Number) } });

    const fromB = await Terminal.open(url, me(4).id, `&instance=${s.b!.instanceId}`);
    await fromB.waitFor(/\[ec2-user@ip-[\d-]+ ~\]\$ /);
    const ssh = await fromB.run(`ssh ${s.a!.publicIp}`);
    expect(ssh).toContain(`ec2-user@${s.a!.publicIp}: Permission denied (publickey,gssapi-keyex,gssapi-with-mic).`);
    expect(status(ssh)).toBe(255);
    const refused = await fromB.run(`curl -sS http://${s.a!.publicIp}/`);
    expect(refused).toMatch(new RegExp(`curl: \\(7\\) Failed to connect to ${s.a!.publicIp!.replace(/\./g, '\\.')} port 80 after \\d+ ms: Connection refused`));
    expect(await fromB.run(`nc -z -v -w 1 ${s.a!.publicIp} 22`)).toContain(`Ncat: Connected to ${s.a!.publicIp}:22.`);
    const inbound = flows((await records(4)).filter((r) => r!.dstAddr === s.a!.privateIp));
    expect(Object.keys(inbound).sort()).toEqual([`${s.b!.publicIp} > ${s.a!.privateIp} 6/22 ACCEPT`, `${s.b!.publicIp} > ${s.a!.privateIp} 6/80 ACCEPT`]);
    expect(inbound[`${s.b!.publicIp} > ${s.a!.privateIp} 6/22 ACCEPT`]!.packets).toBe(2); // ssh, then nc
    term.close();
    fromB.close();
  });

  it("refusals: another account's instance, a stopped one and a malformed id get a message and close 4500; the list offers only the learner's own", async () => {
    const mine = await labFor(5);
    const theirs = await labFor(6);
    expect((await service.instances(me(5).id)).map((i) => [i.instanceId, i.state, i.hostname])).toEqual([
      [mine.a!.instanceId, 'running', hostOf(mine.a!.privateIp!)],
      [mine.b!.instanceId, 'running', hostOf(mine.b!.privateIp!)],
    ]);
    const other = await Terminal.open(url, me(5).id, `&instance=${theirs.a!.instanceId}`);
    expect((await other.waitClosed()).code).toBe(4500);
    expect(plain(other.output)).toContain(`There is no instance ${theirs.a!.instanceId} in your sandbox account`);
    await learnerClients(moto, me(5).accountId).ec2.send(new StopInstancesCommand({ InstanceIds: [mine.b!.instanceId!] }));
    const stopped = await Terminal.open(url, me(5).id, `&instance=${mine.b!.instanceId}`);
    expect((await stopped.waitClosed()).code).toBe(4500);
    expect(plain(stopped.output)).toMatch(new RegExp(`Instance ${mine.b!.instanceId} is (stopping|stopped), not running`));
    const bad = await Terminal.open(url, me(5).id, '&instance=i-$(reboot)');
    expect((await bad.waitClosed()).code).toBe(4500);
    expect(plain(bad.output)).toContain('That is not an instance id');
  });
});
