/** `tollgate tenant create`: provision a tenant, its owner and API keys without a browser. */
import type { Command } from 'commander';
import { closeRuntime, openRuntime } from '../app/runtime.ts';
import { createServices } from '../app/services.ts';
import { email as emailSchema } from '../accounts/schemas.ts';
import { userRepository } from '../accounts/repository.ts';
import { createCliLogger } from '../log/logger.ts';
import { addSettingOptions, configOrExit } from './options.ts';

export function registerTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('Manage tenants.');
  addSettingOptions(
    tenant
      .command('create')
      .description('Create a tenant with its owner and one publishable and one secret API key per mode (test, live).')
      .requiredOption('--name <name>', 'tenant (app) name')
      .requiredOption('--owner-email <email>', "owner's email; an existing account is reused, a new one is claimed with the printed setup token")
      .option('--slug <slug>', 'URL-safe identifier (derived from the name by default)')
      .option('--json', 'print JSON (for scripts)')
      .action(async (options: Record<string, unknown>) => {
        const config = configOrExit(options);
        const parsedEmail = emailSchema.safeParse(options.ownerEmail);
        if (!parsedEmail.success) {
          process.stderr.write(`tollgate tenant create: --owner-email ${JSON.stringify(options.ownerEmail)} is not an email address\n`);
          process.exit(2);
        }
        const deps = await openRuntime(config, { logger: createCliLogger() });
        try {
          const s = createServices(deps);
          const result = await s.inSystem(async (tx) => {
            let owner = await userRepository.findByEmail(tx, parsedEmail.data);
            owner ??= await userRepository.insert(tx, { email: parsedEmail.data, passwordHash: null, isPlatformAdmin: false, at: s.clock.now() });
            const provisioned = await s.tenants.provision(tx, {
              name: String(options.name),
              slug: options.slug ? String(options.slug) : undefined,
              ownerUserId: owner.id,
            });
            let setupToken: string | undefined;
            if (owner.password_hash === null) {
              const scope = { tenantId: provisioned.tenant.id, mode: 'test' as const, actor: { type: 'system' as const, name: 'cli' } };
              setupToken = (await s.tenants.invite(tx, scope, { email: owner.email, role: 'owner' })).token;
            }
            return { ...provisioned, owner: { id: owner.id, email: owner.email, setupToken } };
          });
          const keys = (mode: 'test' | 'live', kind: 'publishable' | 'secret') =>
            result.keys.find((k) => k.key.mode === mode && k.key.kind === kind)!.token;
          const out = {
            tenant: result.tenant,
            owner: {
              id: result.owner.id,
              email: result.owner.email,
              ...(result.owner.setupToken
                ? { setup_token: result.owner.setupToken, setup: 'POST /api/auth/signup with {email, password, invite_token: setup_token}' }
                : {}),
            },
            api_keys: {
              test: { publishable: keys('test', 'publishable'), secret: keys('test', 'secret') },
              live: { publishable: keys('live', 'publishable'), secret: keys('live', 'secret') },
            },
          };
          if (options.json) {
            process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          } else {
            process.stdout.write(
              [
                `Created tenant ${out.tenant.name} (${out.tenant.slug}, id ${out.tenant.id}) owned by ${out.owner.email}.`,
                ...(result.owner.setupToken ? [`Owner setup token (sign up with it to set a password): ${result.owner.setupToken}`] : []),
                'API keys (shown once; store them now):',
                `  test publishable  ${out.api_keys.test.publishable}`,
                `  test secret       ${out.api_keys.test.secret}`,
                `  live publishable  ${out.api_keys.live.publishable}`,
                `  live secret       ${out.api_keys.live.secret}`,
                '',
              ].join('\n'),
            );
          }
        } finally {
          await closeRuntime(deps);
        }
      }),
    ['storage', 'security'],
  );
}
