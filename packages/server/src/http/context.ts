/**
 * Who is calling, as the HTTP layer resolved it. Services receive a
 * `TenantScope` (tenant, mode, actor) and never look at headers themselves.
 */
import type { Role } from '../tenants/roles.ts';

export type Mode = 'test' | 'live';
export const MODES: readonly Mode[] = ['test', 'live'];

export type ApiKeyKind = 'publishable' | 'secret';

export interface ApiKeyActor {
  type: 'api_key';
  keyId: string;
  kind: ApiKeyKind;
}

export interface UserActor {
  type: 'user';
  userId: string;
  email: string;
  role: Role;
}

export interface SystemActor {
  type: 'system';
  name: string;
}

export type Actor = ApiKeyActor | UserActor | SystemActor;

export interface TenantScope {
  tenantId: string;
  mode: Mode;
  actor: Actor;
}

/** A console user signed in with a session cookie. */
export interface SessionUser {
  userId: string;
  email: string;
  isPlatformAdmin: boolean;
  sessionId: string;
  csrfToken: string;
}

export interface ApiKeyIdentity {
  keyId: string;
  tenantId: string;
  mode: Mode;
  kind: ApiKeyKind;
}

/** What the HTTP layer needs from the accounts and API key domains. */
export interface Authenticator {
  apiKey(token: string): Promise<ApiKeyIdentity | null>;
  session(token: string): Promise<SessionUser | null>;
  /** The user's role in the tenant named by id or slug, or null if none. */
  tenantRole(user: SessionUser, tenantRef: string | undefined): Promise<{ tenantId: string; role: Role } | null>;
  /** The user console requests act as when TOLLGATE_DISABLE_AUTH is on. */
  devUser?(): Promise<SessionUser | null>;
}

export function describeActor(actor: Actor): string {
  switch (actor.type) {
    case 'api_key':
      return `api_key:${actor.keyId}`;
    case 'user':
      return `user:${actor.email}`;
    case 'system':
      return `system:${actor.name}`;
  }
}
