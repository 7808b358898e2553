/** Settings of the background job runner. */
import type { SettingDef } from '../config/schema.ts';

export const JOB_SETTINGS = [
  { key: 'workers', env: 'TOLLGATE_WORKERS', flag: 'workers', type: 'bool', default: 'true', group: 'jobs',
    description: 'Run background workers (catalog sync, webhook processing, outbound webhooks, scheduled jobs) in this process. Several processes may run them at once; set false for API-only instances.' },
  { key: 'workerConcurrency', env: 'TOLLGATE_WORKER_CONCURRENCY', flag: 'worker-concurrency', type: 'int', min: 1, max: 256, default: '4', group: 'jobs',
    description: 'Jobs this process runs at the same time.' },
  { key: 'workerPollMs', env: 'TOLLGATE_WORKER_POLL_MS', flag: 'worker-poll-ms', type: 'int', min: 10, max: 60000, default: '1000', group: 'jobs',
    description: 'How often an idle worker looks for due jobs, in milliseconds (new jobs also wake it at once through NOTIFY).' },
  { key: 'jobLeaseMs', env: 'TOLLGATE_JOB_LEASE_MS', flag: 'job-lease-ms', type: 'int', min: 1000, max: 3600000, default: '60000', group: 'jobs',
    description: 'How long a worker owns a claimed job. A job whose worker died (crash, SIGKILL) is taken over by another worker when this runs out; keep it above the longest job.' },
] as const satisfies readonly SettingDef[];
