// The clients Skip, Rebuild and the simulated ping act with give up on a moto that takes the connection and never answers.
import net from 'node:net';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { labClientsFactory } from '../../../server/sandbox/lab-clients';

let silent: net.Server;
let url: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  // Accepts every connection, reads what it is sent and never writes a byte back.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('a call that gets no answer fails after the time limit (and its one retry) instead of waiting for ever', async () => {
  const clients = labClientsFactory({ endpoint: () => url, timeoutMs: 300 })('123456789012', 'us-east-1');
  const started = Date.now();
  await expect(clients.ec2.send(new DescribeVpcsCommand({}))).rejects.toThrow(/timeout|timed out/i);
  const took = Date.now() - started;
  // Two attempts of 300 ms, with the SDK's back-off between them: seconds, not the test's own time limit.
  expect(took).toBeGreaterThanOrEqual(300);
  expect(took).toBeLessThan(4000);
});
