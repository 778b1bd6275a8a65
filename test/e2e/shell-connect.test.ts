// In Chromium: the shell page's Connect form lists the learner's running instances and switches the terminal to an instance shell and back.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { solve, type LabState } from '../../labs/vpc-flow-logs/solve';
import { labClientsFactory } from '../../server/sandbox/lab-clients';
import { sandboxProxy } from '../../server/sandbox/proxy';
import { trafficIntercept } from '../../server/sandbox/traffic/proxy-action';
import { silentLogger } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';
import { learnerClients, REGION, startMoto, type Moto } from '../helpers/moto';
import { startShellPage, testUserCookie, type ShellPage } from '../helpers/shell-page';

const USER = { id: 'e2e-connect', email: 'c@example.com', name: 'C', role: 'learner' };
const KEY = { accessKeyId: 'AKIAE2ECONNECT000001', secretAccessKey: 'e2e-connect-secret', accountId: '515151515151', userId: USER.id };

let tmp: string;
let moto: Moto;
let proxy: http.Server;
let shellPage: ShellPage;
let baseUrl: string;
let lab: LabState;

beforeAll(async () => {
  moto = await startMoto();
  lab = await solve(learnerClients(moto, KEY.accountId), ['vpcs', 'instances', 'flow-logs', 'iam-role']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-connect-e2e-'));
  const inAccount = labClientsFactory({ endpoint: () => moto.url });
  const proxyApp = express();
  proxyApp.use(sandboxProxy({ lookupKey: async (id) => (id === KEY.accessKeyId ? KEY : undefined), motoUrl: () => moto.url, logger: silentLogger, intercepts: [trafficIntercept({ clientsFor: inAccount, logger: silentLogger })] }));
  proxy = http.createServer(proxyApp);
  await new Promise<void>((resolve) => proxy.listen(path.join(tmp, 'aws.sock'), resolve));
  shellPage = await startShellPage(USER, {
    dataDir: path.join(tmp, 'data'),
    proxySocketPath: path.join(tmp, 'aws.sock'),
    credentialsFor: async () => ({ accountId: KEY.accountId, accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey, region: REGION, shellUid: 61390 }),
    ec2For: (a, r) => inAccount(a, r).ec2,
    maxShells: 4,
  });
  baseUrl = shellPage.baseUrl;
}, 90_000);

afterAll(async () => {
  await shellPage?.stop();
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await moto?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('Connect: lists A and B, opens a shell on A where ping works, and back to the cloud shell ends it', async () => {
  const { browser, close } = await launchBrowser();
  try {
    await browser.addCookies([testUserCookie(USER, baseUrl)]);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/shell`);
    const rows = page.locator('.xterm-rows');
    await rows.getByText('learner@cloudshell').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-shell-state="Connected."]').waitFor();
    const select = page.locator('[data-shell-target-select]');
    await page.locator('form[data-shell-target]:not([hidden])').waitFor({ timeout: 10_000 });
    const options = await select.locator('option').allTextContents();
    expect(options).toHaveLength(3);
    await select.selectOption(lab.a!.instanceId!);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator(`[data-shell-state="Connected to ${lab.a!.instanceId}."]`).waitFor({ timeout: 20_000 });
    await rows.getByText('[ec2-user@ip-10-1-0-').first().waitFor({ timeout: 20_000 });
    expect(page.url()).toBe(`${baseUrl}/shell?instance=${lab.a!.instanceId}`);
    expect(await page.locator('h1').textContent()).toBe(`Shell on ${lab.a!.instanceId}`);
    expect(shellPage.service.count()).toBe(2);
    await page.keyboard.type(`ping -c 1 ${lab.b!.publicIp}`);
    await page.keyboard.press('Enter');
    await rows.getByText('1 packets transmitted, 1 received').waitFor({ timeout: 20_000 });

    await select.selectOption('');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('[data-shell-state="Connected."]').waitFor({ timeout: 20_000 });
    await rows.getByText('learner@cloudshell').first().waitFor({ timeout: 20_000 });
    expect(shellPage.service.count()).toBe(1);
    expect(errors).toEqual([]);
  } finally {
    await close();
  }
}, 120_000);
