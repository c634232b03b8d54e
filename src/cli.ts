import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadEnvFile } from './config.js';
import { registerBackfill } from './cli/backfill.js';
import { registerConfig } from './cli/configCommand.js';
import { registerConnections } from './cli/connections.js';
import { registerDashboard } from './cli/dashboard.js';
import { registerDemo } from './cli/demo.js';
import { registerEnqueue } from './cli/enqueue.js';
import { COMMAND_HELP, PROGRAM_HELP } from './cli/helpTexts.js';
import { registerMigrate } from './cli/migrate.js';
import { failureLine, UsageError } from './cli/output.js';
import { registerReconcile } from './cli/reconcile.js';
import { registerRunOnce } from './cli/runOnce.js';
import { registerEntities } from './cli/entities.js';
import { registerRuns } from './cli/runs.js';
import { registerScheduler } from './cli/scheduler.js';
import { registerSimulator } from './cli/simulator.js';
import { registerStatus } from './cli/status.js';
import { registerWorker } from './cli/worker.js';
import { projectRoot } from './paths.js';

// .env of the working directory first, so every command (and loadConfig) sees it; the environment wins.
const envFile = loadEnvFile(resolve(process.cwd(), '.env'));
if (envFile.error) process.stderr.write(`msads-etl: warning: ${envFile.path} not read: ${envFile.error}\n`);

const { version } = JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { version: string };

/** The msads-etl command line: each command is the composition root of its process. */
const program = new Command()
  .name('msads-etl')
  .description('Load Microsoft Advertising performance reports into PostgreSQL')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  // Set before the commands are added, so each inherits it. Commander has already printed the message
  // (an unknown option or command is named as such); usage errors exit 2, help and --version 0.
  .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2))
  .addHelpText('after', PROGRAM_HELP);

registerDemo(program);
registerRunOnce(program);
registerEntities(program);
registerEnqueue(program);
registerWorker(program);
registerScheduler(program);
registerReconcile(program);
registerBackfill(program);
registerStatus(program);
registerRuns(program);
registerConnections(program);
registerConfig(program, envFile);
registerDashboard(program);
registerMigrate(program);
registerSimulator(program);
for (const command of program.commands) {
  const help = COMMAND_HELP[command.name()];
  if (help !== undefined) command.addHelpText('after', help);
}

try {
  await program.parseAsync(process.argv);
  // Every command's action resolves only once it is done (long-running ones after their signal), so
  // leave now instead of waiting on a client library's leftover timer (ioredis keeps one for 2 s after
  // a refused connection), with the exit code the command set.
  process.exit();
} catch (err) {
  process.stderr.write(`msads-etl ${program.args[0] ?? ''}: ${failureLine(err)}\n`);
  // Exit now: a command that failed may still hold connections retrying in the background (a worker's
  // Redis, a pool), which would keep the process alive with nothing left to do.
  process.exit(err instanceof ConfigError || err instanceof UsageError ? 2 : 1);
}
