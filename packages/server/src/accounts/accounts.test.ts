import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, logIn, PASSWORD, signUp, type TestApp } from '../../test/app.ts';

describe('accounts', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('the first user of a fresh install owns a new tenant and is a platform admin', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'Owner@Acme.test', password: PASSWORD, tenant_name: 'Acme' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email: 'owner@acme.test', is_platform_admin: true });
    expect(body.tenants).toEqual([expect.objectContaining({ name: 'Acme', slug: 'acme', role: 'owner' })]);
    const cookie = res.cookies.find((c) => c.name === 'tollgate_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    // The password is stored only as a memory-hard hash.
    const { rows } = await t.testDb.db.query('select password_hash from users');
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0]!.password_hash).not.toContain(PASSWORD);
  });

  it('after the first user, sign-up is by invitation by default', async () => {
    t = await createTestApp();
    await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'stranger@x.test', password: PASSWORD } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('signup_invite_only');
  });

  it('open sign-up gives every new user a tenant of their own', async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open' } });
    const first = await signUp(t.app, { email: 'a@a.test', password: PASSWORD });
    const second = await signUp(t.app, { email: 'b@b.test', password: PASSWORD, tenant_name: 'Bee' });
    expect(second.tenantId).not.toBe(first.tenantId);
    const me = (await second.request({ method: 'GET', url: '/api/me' })).json();
    expect(me.user.is_platform_admin).toBe(false);
    expect(me.tenants).toEqual([expect.objectContaining({ name: 'Bee', role: 'owner' })]);
  });

  it('closed sign-up refuses everybody after the first user, even with an invitation', async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'closed' } });
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const invite = (await owner.request({ method: 'POST', url: '/api/invitations', payload: { email: 'dev@acme.test', role: 'developer' } })).json();
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'dev@acme.test', password: PASSWORD, invite_token: invite.token } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('signup_closed');
  });

  it('an invitation joins the tenant with its role, once, and only for the invited email', async () => {
    t = await createTestApp();
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const created = await owner.request({ method: 'POST', url: '/api/invitations', payload: { email: 'viewer@acme.test', role: 'viewer' } });
    expect(created.statusCode).toBe(201);
    const { token, accept_url } = created.json();
    expect(accept_url).toContain(encodeURIComponent(token));

    const wrongEmail = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'other@acme.test', password: PASSWORD, invite_token: token } });
    expect(wrongEmail.json().error.code).toBe('invitation_email_mismatch');

    const viewer = await signUp(t.app, { email: 'viewer@acme.test', password: PASSWORD, invite_token: token });
    expect(viewer.tenantId).toBe(owner.tenantId);
    const members = (await owner.request({ method: 'GET', url: '/api/members' })).json().data;
    expect(members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ['owner@acme.test', 'owner'],
      ['viewer@acme.test', 'viewer'],
    ]);

    const reused = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'viewer2@acme.test', password: PASSWORD, invite_token: token } });
    expect(reused.json().error.code).toBe('invitation_invalid');
  });

  it('roles gate what members may do', async () => {
    t = await createTestApp();
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const invite = async (email: string, role: string) =>
      (await owner.request({ method: 'POST', url: '/api/invitations', payload: { email, role } })).json().token as string;
    const viewer = await signUp(t.app, { email: 'viewer@acme.test', password: PASSWORD, invite_token: await invite('viewer@acme.test', 'viewer') });
    const developer = await signUp(t.app, { email: 'dev@acme.test', password: PASSWORD, invite_token: await invite('dev@acme.test', 'developer') });

    const viewerKeys = await viewer.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret' } });
    expect(viewerKeys.statusCode).toBe(403);
    expect(viewerKeys.json().error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('viewer') });
    expect((await viewer.request({ method: 'GET', url: '/api/members' })).statusCode).toBe(200);

    expect((await developer.request({ method: 'POST', url: '/v1/api_keys', payload: { kind: 'secret' } })).statusCode).toBe(201);
    const devInvite = await developer.request({ method: 'POST', url: '/api/invitations', payload: { email: 'x@acme.test' } });
    expect(devInvite.statusCode).toBe(403);

    // Owners change roles, but a tenant always keeps an owner.
    const promoted = await owner.request({ method: 'PATCH', url: `/api/members/${viewer.userId}`, payload: { role: 'admin' } });
    expect(promoted.json()).toMatchObject({ role: 'admin' });
    const demoteSelf = await owner.request({ method: 'PATCH', url: `/api/members/${owner.userId}`, payload: { role: 'viewer' } });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().error.code).toBe('last_owner');
  });

  it('login checks the password, and a wrong one gives the same answer as an unknown email', async () => {
    t = await createTestApp();
    await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'owner@acme.test', password: 'not the password' } });
    const unknown = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@acme.test', password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const session = await logIn(t.app, 'OWNER@acme.test', PASSWORD);
    expect((await session.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
  });

  it('logout ends the session on the server, and another device can be signed out', async () => {
    t = await createTestApp();
    const laptop = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const phone = await logIn(t.app, 'owner@acme.test', PASSWORD);
    const sessions = (await laptop.request({ method: 'GET', url: '/api/sessions' })).json().data;
    expect(sessions).toHaveLength(2);
    const phoneSession = sessions.find((s: { current: boolean }) => !s.current);
    expect((await laptop.request({ method: 'DELETE', url: `/api/sessions/${phoneSession.id}` })).statusCode).toBe(204);
    expect((await phone.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);

    expect((await laptop.request({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    expect((await laptop.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('cookie-authenticated writes need the CSRF token', async () => {
    t = await createTestApp();
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const forged = await t.app.inject({ method: 'POST', url: '/v1/api_keys', headers: { cookie: owner.cookie }, payload: { kind: 'secret' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_failed');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: owner.cookie, 'x-csrf-token': 'guess' } });
    expect(wrong.statusCode).toBe(403);
    // Reads do not need it.
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: owner.cookie } })).statusCode).toBe(200);
  });

  it('platform admins can also be named by email list and by domain', async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open', TOLLGATE_ADMIN_EMAILS: 'ops@corp.test, boss@corp.test', TOLLGATE_ADMIN_EMAIL_DOMAIN: 'admins.test' } });
    await signUp(t.app, { email: 'first@x.test', password: PASSWORD });
    const listed = await signUp(t.app, { email: 'boss@corp.test', password: PASSWORD });
    const byDomain = await signUp(t.app, { email: 'anyone@admins.test', password: PASSWORD });
    const plain = await signUp(t.app, { email: 'plain@x.test', password: PASSWORD });
    const isAdmin = async (c: typeof plain) => (await c.request({ method: 'GET', url: '/api/me' })).json().user.is_platform_admin;
    expect([await isAdmin(listed), await isAdmin(byDomain), await isAdmin(plain)]).toEqual([true, true, false]);
  });

  it('rejects a malformed sign-up with the field that is wrong', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'not-an-email', password: 'short' } });
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);
  });

  it('a duplicate email is a conflict', async () => {
    t = await createTestApp({ env: { TOLLGATE_SIGNUP: 'open' } });
    await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'OWNER@acme.test', password: PASSWORD } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('email_taken');
  });

  it('TOLLGATE_DISABLE_AUTH (development only) lets console requests act as the first platform admin', async () => {
    t = await createTestApp({ env: { TOLLGATE_DISABLE_AUTH: 'true' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401); // nobody to act as yet
    const owner = await signUp(t.app, { email: 'owner@acme.test', password: PASSWORD });
    const me = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(me.json().user).toMatchObject({ id: owner.userId, is_platform_admin: true });
    expect((await t.app.inject({ method: 'GET', url: '/api/members' })).statusCode).toBe(200);
    // API routes still need a key or a session of their own: the switch is for the console only.
    expect((await t.app.inject({ method: 'GET', url: '/v1/api_keys', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
  });
});
