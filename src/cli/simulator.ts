import type { Command } from 'commander';
import { demoSimulatorOptions, startSimulator } from '../simulator/index.js';

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('run the local Microsoft Advertising + Nango simulator and print its URLs')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4010')
    .option('--generation-ms <ms>', 'how long a submitted report stays Pending', '1500')
    .action(async (options: { host: string; port: string; generationMs: string }) => {
      const base = demoSimulatorOptions();
      const sim = await startSimulator({
        ...base,
        host: options.host,
        port: Number(options.port),
        generationMs: Number(options.generationMs),
      });
      const lines = [
        'Simulator running (Ctrl-C to stop).',
        `  Reporting service  ${sim.urls.reporting}`,
        `  Reporting WSDL     ${sim.urls.reportingWsdl}`,
        `  Customer Mgmt      ${sim.urls.customer}`,
        `  Nango API          ${sim.urls.nango}`,
        '',
        'Point the worker at it with:',
        `  export NANGO_HOST=${sim.urls.nango}`,
        `  export NANGO_SECRET_KEY=${base.nangoSecretKey}`,
        `  export MSADS_DEVELOPER_TOKEN=${base.developerToken}`,
        `  export MSADS_REPORTING_ENDPOINT=${sim.urls.reporting}`,
        `  export MSADS_CUSTOMER_ENDPOINT=${sim.urls.customer}`,
        '',
        'Connections:',
        ...base.connections.map(
          (c) => `  ${c.connectionId}: customer ${c.customerId}, accounts ${c.accountIds.join(', ')}`,
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await sim.close();
    });
}
