// The cloud shell's WebSocket origin check: Verilab's own pages only, whichever host name the learner typed.
import type { IncomingMessage } from 'node:http';
import { sameOrigin } from '../../../server/sandbox/shell/shell-socket';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('shell socket sameOrigin', () => {
  it('PUBLIC_URL\'s origin: accepted', () => {
    expect(sameOrigin(req({ origin: 'http://localhost:3000', host: 'localhost:3000' }), 'http://localhost:3000')).toBe(true);
  });

  it('the page\'s own host when it differs from PUBLIC_URL (127.0.0.1 for localhost): accepted', () => {
    expect(sameOrigin(req({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }), 'http://localhost:3000')).toBe(true);
  });

  it('another site, a missing Origin, or another site claiming our host: refused', () => {
    expect(sameOrigin(req({ origin: 'https://evil.example', host: 'localhost:3000' }), 'http://localhost:3000')).toBe(false);
    expect(sameOrigin(req({ host: 'localhost:3000' }), 'http://localhost:3000')).toBe(false);
    expect(sameOrigin(req({ origin: 'http://localhost:3001', host: 'localhost:3000' }), 'http://localhost:3000')).toBe(false);
    expect(sameOrigin(req({ origin: 'null', host: 'localhost:3000' }), 'http://localhost:3000')).toBe(false);
  });
});
