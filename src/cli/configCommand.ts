import type { Command } from 'commander';
import { SECRET_VARIABLES, type EnvFileOutcome } from '../config.js';
import { stdoutPaint } from './colour.js';
import { describeConfig } from './configView.js';
import { renderTable } from './table.js';

export const CONFIG_HELP = `
Every variable of the configuration (docs/CONFIGURATION.md) with its effective value and its source:
env (the process environment), .env (the file in the working directory, read at start; the environment
wins over it), default, or unset. Secret values (${SECRET_VARIABLES.join(', ')})
are never printed, and passwords in URLs are shown as ***.

Exit codes:
  0  the configuration is valid (warnings may be printed)
  2  a variable is invalid (each problem is listed) or a usage error

Examples:
  $ msads-etl config
  $ msads-etl config --json | jq '.entries[] | select(.source == ".env")'
  $ LOOKBACK_DAYS=7 msads-etl config | grep LOOKBACK_DAYS
`;

export function registerConfig(program: Command, envFile: EnvFileOutcome): void {
  program
    .command('config')
    .description('print the effective configuration, secrets redacted, and where each value came from (env, .env, default)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', CONFIG_HELP)
    .action((options: { json?: boolean }) => {
      const view = describeConfig(process.env, envFile);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      } else {
        const paint = stdoutPaint();
        const fileLine = !envFile.found
          ? `.env: none at ${envFile.path}`
          : envFile.error
            ? `.env: ${envFile.path} could not be read (${envFile.error})`
            : `.env: ${envFile.path} (${envFile.fromFile.length} variable(s) taken from it${envFile.shadowed.length > 0 ? `; ${envFile.shadowed.join(', ')} set in the environment too, which wins` : ''})`;
        const table = renderTable(
          ['VARIABLE', 'VALUE', 'SOURCE'],
          view.entries.map((e) => [e.name, e.value ?? paint('-', 'dim'), e.source === 'env' && e.shadowsEnvFile ? 'env (over .env)' : e.source]),
        );
        const tail = [
          ...view.warnings.map((w) => paint(`warning: ${w}`, 'warn')),
          ...(view.problems.length > 0 ? [paint('Invalid configuration:', 'bad'), ...view.problems.map((p) => `  ${p}`)] : ['configuration valid']),
        ];
        process.stdout.write(`${fileLine}\n\n${table}\n\n${tail.join('\n')}\n`);
      }
      process.exitCode = view.problems.length > 0 ? 2 : 0;
    });
}
