/**
 * Operational endpoints: `/health` (200 only when the database accepts a write
 * and no migration is pending), `/metrics` (Prometheus) and the OpenAPI document.
 */
import type { AppServices } from '../app/services.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { redactText } from '../log/logger.ts';
import { z } from 'zod';

export function healthRoutes(s: AppServices, openapi: () => unknown): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/health',
      summary: 'Liveness and readiness: database writable, migrations current',
      tags: ['operations'],
      access: 'public',
      response: z.object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })) }),
      async handler({ reply }) {
        const checks: Record<string, { ok: boolean; detail?: string }> = {};
        try {
          const pending = await pendingMigrations(s.db, s.migrations);
          checks.migrations = pending.length
            ? { ok: false, detail: `${pending.length} pending migration(s): ${pending.join(', ')}; run \`npx tollgate migrate\`` }
            : { ok: true };
        } catch (err) {
          checks.migrations = { ok: false, detail: `cannot read the migration ledger: ${redactText((err as Error).message)}` };
        }
        try {
          await s.inSystem((tx) =>
            tx.query('insert into health_probe (id, checked_at) values (1, $1) on conflict (id) do update set checked_at = excluded.checked_at', [
              s.clock.now(),
            ]),
          );
          checks.database = { ok: true };
        } catch (err) {
          checks.database = { ok: false, detail: `database does not accept writes: ${redactText((err as Error).message)}` };
        }
        const ok = Object.values(checks).every((c) => c.ok);
        reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
        return { status: ok ? 'ok' : 'unavailable', checks };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      access: 'public',
      async handler({ reply }) {
        reply.header('content-type', s.metrics.registry.contentType);
        return s.metrics.registry.metrics();
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/openapi.json',
      summary: 'This OpenAPI document',
      tags: ['operations'],
      access: 'public',
      async handler() {
        return openapi();
      },
    }),
  ];
}
