// The /shell/ws WebSocket: origin and sign-in checks on upgrade, then bytes between the browser and the learner's shell.
//
// Protocol (one comment, as promised to the browser code in public/shell.js):
//   browser -> server  binary frame: keystrokes/paste (UTF-8 bytes for the PTY)
//                      text frame:   JSON control, {"type":"resize","cols":N,"rows":N} or {"type":"terminate"}
//   server -> browser  binary frame: terminal output (UTF-8), starting with a replay of recent output on (re)attach
//   close codes: 4000 ended, 4401 not signed in, 4413 over quota, 4429 too many shells, 4500 could not start,
//                4503 unavailable (all: wait for Enter before reconnecting); 1001 server stopping (reconnect by itself).
//   Query string: ?cols=N&rows=N size the new PTY; ?new=1 asks for another shell beside the current one;
//                 ?instance=i-... asks for the shell of that lab instance (the learner's own, and running).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { INSTANCE_ID } from './instances';
import { CLOSE, notice, ShellRefusal, type ShellManager } from './shell-manager';

export const SHELL_PATH = '/shell/ws';
/** Pastes larger than this are refused by ws (close 1009); a terminal paste of 64 KiB is already generous. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const SOCKET_MESSAGES = {
  SIGN_IN: 'Please sign in to Verilab to use the cloud shell.',
  BAD_INSTANCE: 'That is not an instance id (i-0123456789abcdef0).',
} as const;

export interface SocketDeps {
  manager: ShellManager;
  allowedOrigin: string;
  authenticate(req: IncomingMessage): Promise<{ id: string } | undefined>;
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  logger: Logger;
}

function clamp(value: unknown, min: number, max: number, fallback: number): number {
  // Number(null) and Number('') are 0: a size that was not given is the default, not the smallest.
  if (value === null || value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * PUBLIC_URL's origin, or the page's own host: a learner who opened http://127.0.0.1:3000 while PUBLIC_URL says localhost
 * is still on Verilab's page. A page of another site cannot make its Origin equal the Host it connects to, and a site that
 * rebinds its own name to this server gets no session cookie for it.
 */
export function sameOrigin(req: IncomingMessage, allowedOrigin: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  if (origin === allowedOrigin) return true;
  const host = req.headers.host;
  return Boolean(host) && (origin === `http://${host}` || origin === `https://${host}`);
}

export function attachShellSocket(server: Server, deps: SocketDeps): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== SHELL_PATH) return; // another feature's WebSocket
    socket.on('error', () => socket.destroy());
    // Browsers always send Origin on WebSocket requests; a page on another site must not drive a learner's shell.
    if (!sameOrigin(req, deps.allowedOrigin)) return refuse(socket, 403, 'Forbidden');
    deps.authenticate(req).then(
      (user) => wss.handleUpgrade(req, socket, head, (ws) => void connected(ws, user, url)),
      (err) => {
        deps.logger.error({ err }, 'cloud shell authentication failed');
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  });

  async function connected(ws: WebSocket, user: { id: string } | undefined, url: URL): Promise<void> {
    const bye = (code: number, message: string) => {
      ws.send(Buffer.from(notice(message)));
      ws.close(code, code === CLOSE.UNAUTHORIZED ? 'sign in' : 'refused');
    };
    if (!user) return bye(CLOSE.UNAUTHORIZED, SOCKET_MESSAGES.SIGN_IN);
    const instanceId = url.searchParams.get('instance') || undefined;
    if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) return bye(CLOSE.FAILED, SOCKET_MESSAGES.BAD_INSTANCE);
    const availability = await deps.available();
    if (!availability.ok) return bye(CLOSE.UNAVAILABLE, availability.reason);
    // Input typed before the shell is ready is kept, so a fast typist loses nothing.
    const early: RawData[] = [];
    const onEarly = (data: RawData, isBinary: boolean) => {
      if (isBinary) early.push(data);
    };
    ws.on('message', onEarly);
    let shell;
    try {
      shell = await deps.manager.open(user.id, {
        fresh: url.searchParams.get('new') === '1',
        instanceId,
        cols: clamp(url.searchParams.get('cols'), 2, 500, 80),
        rows: clamp(url.searchParams.get('rows'), 2, 200, 24),
      });
    } catch (err) {
      if (err instanceof ShellRefusal) return bye(err.closeCode, err.message);
      deps.logger.error({ err, userId: user.id }, 'cloud shell could not start');
      return bye(CLOSE.FAILED, 'Your cloud shell could not be started. Please try again in a moment.');
    }
    ws.off('message', onEarly);
    if (ws.readyState !== ws.OPEN) return; // the browser left while the shell started; it stays for a reattach
    if (!shell.attach(ws)) return bye(CLOSE.ENDED, 'This cloud shell has ended. Press Enter to start a new one.');
    for (const data of early) shell.write(toBuffer(data));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return shell.write(toBuffer(data));
      let msg: { type?: unknown; cols?: unknown; rows?: unknown };
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (msg.type === 'resize') shell.resize(clamp(msg.cols, 2, 500, 80), clamp(msg.rows, 2, 200, 24));
      else if (msg.type === 'terminate') shell.end(CLOSE.ENDED);
    });
    ws.on('close', () => shell.detach(ws));
  }

  return wss;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
