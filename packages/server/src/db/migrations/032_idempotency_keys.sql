-- 032 idempotency keys: the first answer to a write sent with an
-- Idempotency-Key header, replayed to copies of that request for 24 hours.

create table idempotency_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  mode text not null check (mode in ('test', 'live')),
  key text not null,
  -- Method, path and body of the first request: a copy must match it.
  fingerprint text not null,
  -- Null while the first request is still running.
  status_code int,
  response jsonb,
  created_at timestamptz not null,
  primary key (tenant_id, mode, key)
);

select tollgate_enable_tenant_rls('idempotency_keys'::regclass);
