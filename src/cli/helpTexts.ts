/**
 * What `msads-etl <command> --help` prints after the options: exit codes and examples. Kept in one
 * place for the commands whose files register no help of their own (status, runs and config do), so
 * the codes are stated consistently. A command without an entry here fails a unit test.
 */

const USAGE = '  2  usage or configuration error (unknown option, missing or bad argument, invalid variable)';

const longRunning = (what: string) => `
Exit codes:
  0  stopped by SIGINT/SIGTERM after a graceful shutdown
  1  could not start (Postgres unreachable at start, a port in use …) or ${what}
${USAGE}`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  demo: `
Exit codes:
  0  the simulator's week was loaded
  1  a window failed, or Postgres or Redis is unreachable
${USAGE}

Examples:
  $ msads-etl demo
  $ DATABASE_URL=postgres://postgres@127.0.0.1:5432/msads_demo msads-etl demo
`,
  'run-once': `
Exit codes:
  0  every window loaded (or was empty)
  1  a window failed (the run and its reason are printed), or Postgres or Nango is unreachable
${USAGE}

Examples:
  $ msads-etl run-once --connection acme-prod --customer 1234567 --account 150123456 --from 2026-03-01 --to 2026-03-07
  $ msads-etl run-once --connection acme-prod --report account_performance --aggregation weekly --from 2026-02-01 --to 2026-02-28
`,
  entities: `
Exit codes:
  0  every account's entities loaded (full or delta; the counts per table are printed)
  1  an account's entity run failed (its reason is printed), or Postgres or Nango is unreachable
${USAGE}

Examples:
  $ msads-etl entities --connection acme-prod
  $ msads-etl entities --connection acme-prod --customer 1234567 --account 150123456 --full
`,
  enqueue: `
Exit codes:
  0  the jobs were added (or were already waiting)
  1  Redis is unreachable, or Nango could not name the connection's accounts
${USAGE}

Examples:
  $ msads-etl enqueue --connection acme-prod --customer 1234567 --account 150123456 --from 2026-03-01 --to 2026-03-07
`,
  worker: `${longRunning('a fatal error while running')}

Examples:
  $ msads-etl worker
  $ WORKER_CONCURRENCY=8 METRICS_PORT=9464 msads-etl worker --grace 60
`,
  scheduler: `${longRunning('(with --once) the tick failed')}

Examples:
  $ msads-etl scheduler
  $ msads-etl scheduler --tick-now
  $ msads-etl scheduler --once          # from an external cron
`,
  reconcile: `
Exit codes:
  0  the pass ran (or another process was reconciling)
  1  a run could not be reconciled, or Postgres or Redis is unreachable
${USAGE}

Examples:
  $ msads-etl reconcile
  $ msads-etl reconcile --json
`,
  backfill: `
Exit codes:
  0  every window loaded (with --no-wait: every window was enqueued)
  1  a window failed, a connection was skipped (needs re-authorization), or the command could not run
  2  usage error: unknown option, bad --report/--aggregation/--window-days, a --connection Nango does
     not have, an --account the connection does not reach; or an invalid variable
  130  stopped waiting (Ctrl-C); the windows go on in the workers

It warns when no worker consumes the queue: the windows then wait until one starts.

Examples:
  $ msads-etl backfill --connection acme-prod --report campaign_performance --from 2026-01-01 --to 2026-03-31
  $ msads-etl backfill --connection all --report all --from 2026-03-01 --to 2026-03-31 --no-wait
  $ msads-etl backfill --connection acme-prod --account 150123456 --report campaign_performance --aggregation hourly --from 2026-03-01 --to 2026-03-07
`,
  connections: `
Exit codes:
  0  listed
  1  Postgres (or with --refresh Nango or Microsoft) is unreachable
${USAGE}

Examples:
  $ msads-etl connections
  $ msads-etl connections --refresh --connection acme-prod
  $ msads-etl connections --json | jq '.accounts[] | select(.access != "ok")'
`,
  dashboard: `${longRunning('a fatal error while running')}

Examples:
  $ DASHBOARD_PASSWORD=… msads-etl dashboard --port 3000
  $ msads-etl dashboard --host 0.0.0.0     # needs DASHBOARD_PASSWORD or DASHBOARD_TOKEN
`,
  migrate: `
Exit codes:
  0  the database exists and every migration is applied
  1  Postgres is unreachable or a migration failed
${USAGE}

Examples:
  $ msads-etl migrate
  $ DATABASE_URL=postgres://etl@db:5432/msads msads-etl migrate
`,
  simulator: `${longRunning('a fatal error while running')}

Examples:
  $ msads-etl simulator --port 4010
  $ msads-etl simulator --fault throttleNext=3 --fault revokedConnections=conn-b
`,
};

export const PROGRAM_HELP = `
Exit codes (every command; each command's --help has its own):
  0  success        1  failure (see the message)        2  usage or configuration error

Examples:
  $ msads-etl status                        # what is loaded, what is not, and why (exit 1: attention)
  $ msads-etl runs --status failed          # the run history, filtered
  $ msads-etl config                        # the effective configuration and where each value came from
  $ msads-etl <command> --help

A .env file in the working directory is read at start; variables of the environment win over it.
`;
