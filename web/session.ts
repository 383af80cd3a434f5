// Cookies of the dashboard: the session (HttpOnly, SameSite=Lax, Secure over https), the pre-login
// CSRF token of the login forms, and a one-shot notice shown after an action.
import { timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../core/auth/login-link.ts';
import { loadSession, SESSION_MAX_MS, type ActiveSession } from '../core/auth/session.ts';
import type { CoreContext } from '../core/context.ts';

export const SESSION_COOKIE = 'aspirasi_sesi';
const PRE_LOGIN_COOKIE = 'aspirasi_pra';
const NOTICE_COOKIE = 'aspirasi_info';

export interface CookiePolicy {
  /** True when PUBLIC_URL is https: cookies then travel only over https. */
  secure: boolean;
}

function options(policy: CookiePolicy, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: policy.secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

export function currentSession(ctx: CoreContext, request: FastifyRequest): ActiveSession | undefined {
  return loadSession(ctx, request.cookies[SESSION_COOKIE]);
}

export function setSessionCookie(reply: FastifyReply, token: string, policy: CookiePolicy): void {
  void reply.setCookie(SESSION_COOKIE, token, options(policy, SESSION_MAX_MS / 1000));
}

export function clearSessionCookie(reply: FastifyReply, policy: CookiePolicy): void {
  void reply.clearCookie(SESSION_COOKIE, options(policy));
}

/** The login forms' CSRF token (double submit: a cookie and the same value in the form). */
export function preLoginToken(request: FastifyRequest, reply: FastifyReply, policy: CookiePolicy): string {
  const existing = request.cookies[PRE_LOGIN_COOKIE];
  if (existing && /^[\w-]{40,50}$/.test(existing)) return existing;
  const token = randomToken();
  void reply.setCookie(PRE_LOGIN_COOKIE, token, options(policy));
  return token;
}

export function tokensMatch(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function preLoginTokenValid(request: FastifyRequest, given: unknown): boolean {
  return tokensMatch(request.cookies[PRE_LOGIN_COOKIE], given);
}

/** Keeps a notice for the next page (after a redirect). */
export function setNotice(reply: FastifyReply, text: string, policy: CookiePolicy): void {
  void reply.setCookie(NOTICE_COOKIE, Buffer.from(text.slice(0, 2000)).toString('base64url'), options(policy, 300));
}

/** The notice left by the previous action, cleared once read. */
export function takeNotice(request: FastifyRequest, reply: FastifyReply, policy: CookiePolicy): string | undefined {
  const value = request.cookies[NOTICE_COOKIE];
  if (!value) return undefined;
  void reply.clearCookie(NOTICE_COOKIE, options(policy));
  return Buffer.from(value, 'base64url').toString('utf8');
}
