// Sign-up refuses weak passwords (only spaces, one repeated character, a common password) with a clear message, as HTML and JSON.
import request from 'supertest';
import { PASSWORD_MESSAGES } from '../../../server/auth/passwords';
import { createTestContext, csrfToken, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('sign-up: weak passwords', () => {
  it.each([
    ['only spaces', '            ', PASSWORD_MESSAGES.BLANK],
    ['one repeated character', 'xxxxxxxxxxxx', PASSWORD_MESSAGES.REPEATED],
    ['a common password', 'Password123', PASSWORD_MESSAGES.COMMON],
    ['a common password', '1234567890', PASSWORD_MESSAGES.COMMON],
  ])('%s (%j): 400 with the reason beside the field, form kept, nothing stored', async (_label, password, message) => {
    const email = `weak-${Math.random().toString(36).slice(2)}@example.com`;
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    const html = await agent.post('/signup').type('form').send({ _csrf: token, name: 'Weak', email, password }).expect(400);
    expect(html.text).toContain(message.replace(/'/g, '&#39;'));
    expect(html.text).toContain('aria-describedby="password-error"');
    expect(html.text).toContain(`value="${email}"`);
    const json = await agent.post('/signup').set('Accept', 'application/json').send({ _csrf: token, name: 'Weak', email, password }).expect(400);
    expect(json.body.error.fields).toEqual({ password: message });
    expect(await ctx.store.users.findByEmailWithHash(email)).toBeUndefined();
  });

  it('a strong password with a common one inside it is fine', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    await agent.post('/signup').type('form').send({ _csrf: token, name: 'Strong', email: 'strong@example.com', password: 'password123 is not my password' }).expect(303);
  });
});
