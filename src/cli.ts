import { Command } from 'commander';
import { ConfigError } from './config.js';
import { registerBackfill } from './cli/backfill.js';
import { registerConnections } from './cli/connections.js';
import { registerDashboard } from './cli/dashboard.js';
import { registerDemo } from './cli/demo.js';
import { registerEnqueue } from './cli/enqueue.js';
import { registerMigrate } from './cli/migrate.js';
import { registerReconcile } from './cli/reconcile.js';
import { registerRunOnce } from './cli/runOnce.js';
import { registerScheduler } from './cli/scheduler.js';
import { registerSimulator } from './cli/simulator.js';
import { registerStatus } from './cli/status.js';
import { failureLine } from './cli/output.js';
import { registerWorker } from './cli/worker.js';

/** The msads-etl command line: each command is the composition root of its process. */
const program = new Command()
  .name('msads-etl')
  .description('Load Microsoft Advertising performance reports into PostgreSQL')
  .showHelpAfterError();

registerDemo(program);
registerRunOnce(program);
registerEnqueue(program);
registerWorker(program);
registerScheduler(program);
registerReconcile(program);
registerBackfill(program);
registerStatus(program);
registerConnections(program);
registerDashboard(program);
registerMigrate(program);
registerSimulator(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`msads-etl ${program.args[0] ?? ''}: ${failureLine(err)}\n`);
  // Exit now: a command that failed may still hold connections retrying in the background (a worker's
  // Redis, a pool), which would keep the process alive with nothing left to do.
  process.exit(err instanceof ConfigError ? 2 : 1);
}
