-- 001 foundation: the application role, tenancy helpers, tenants, accounts,
-- sessions, memberships, invitations and API keys.
--
-- Tenancy: every tenant-scoped table carries tenant_id, leads its primary and
-- unique keys with it (so the schema can be distributed by tenant later), and
-- has a forced row-level security policy. The application works as
-- tollgate_app, a role that cannot bypass RLS; see src/db/scope.ts.

do $$
begin
  create role tollgate_app nologin nobypassrls;
exception when duplicate_object or unique_violation then
  null; -- roles are cluster-wide: another database (or a concurrent migrator) made it
end
$$;

-- Let the connecting role switch to tollgate_app (already possible for superusers).
do $$
begin
  execute format('grant tollgate_app to %I', current_user);
exception when others then
  null;
end
$$;

create function tollgate_current_tenant() returns uuid
  language sql stable
  as $$ select nullif(current_setting('tollgate.tenant_id', true), '')::uuid $$;

create function tollgate_is_system() returns boolean
  language sql stable
  as $$ select coalesce(current_setting('tollgate.system', true), '') = 'on' $$;

create table tenants (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique,
  name text not null,
  settings jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  password_hash text,
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now(),
  last_login_at timestamptz
);
create unique index users_email_key on users (lower(email));

create table sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  token_hash text not null unique,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
create index sessions_user_idx on sessions (user_id);

create table memberships (
  tenant_id uuid not null references tenants (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'developer', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

create table invitations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null,
  role text not null check (role in ('owner', 'admin', 'developer', 'viewer')),
  token_hash text not null,
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users (id) on delete set null,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
create index invitations_token_idx on invitations (token_hash);

create table api_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  mode text not null check (mode in ('test', 'live')),
  kind text not null check (kind in ('publishable', 'secret')),
  name text not null default '',
  token_prefix text not null,
  token_hash text not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
create index api_keys_token_idx on api_keys (token_hash);

create table audit_log (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id bigint generated always as identity,
  actor text not null,
  action text not null,
  target text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

-- /health writes here to prove the database accepts writes.
create table health_probe (
  id int primary key,
  checked_at timestamptz not null
);

-- Row-level security on every tenant-scoped table.
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
  using (id = tollgate_current_tenant() or tollgate_is_system())
  with check (id = tollgate_current_tenant() or tollgate_is_system());

-- Every later tenant-scoped table calls this: forced RLS with the standard policy.
create function tollgate_enable_tenant_rls(tbl regclass) returns void
  language plpgsql
  as $$
begin
  execute format('alter table %s enable row level security', tbl);
  execute format('alter table %s force row level security', tbl);
  execute format(
    'create policy tenant_isolation on %s using (tenant_id = tollgate_current_tenant() or tollgate_is_system()) '
    'with check (tenant_id = tollgate_current_tenant() or tollgate_is_system())', tbl);
end
$$;

select tollgate_enable_tenant_rls(t) from unnest(array['memberships', 'invitations', 'api_keys', 'audit_log']::regclass[]) as t;

grant usage on schema public to tollgate_app;
grant select, insert, update, delete on all tables in schema public to tollgate_app;
grant usage, select on all sequences in schema public to tollgate_app;
grant execute on all functions in schema public to tollgate_app;
revoke all on tollgate_migrations from tollgate_app;
-- Tables created by later migrations get the same grants.
alter default privileges in schema public grant select, insert, update, delete on tables to tollgate_app;
alter default privileges in schema public grant usage, select on sequences to tollgate_app;
