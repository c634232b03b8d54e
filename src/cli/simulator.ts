import type { Command } from 'commander';
import { defaultFaultSwitches } from '../simulator/faultSwitches.js';
import { applyFaultOption, FaultOptionError } from '../simulator/faultOptions.js';
import { demoSimulatorOptions, startSimulator } from '../simulator/index.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('run the local Microsoft Advertising (SOAP and REST) + Nango simulator and print its URLs')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4010')
    .option('--generation-ms <ms>', 'how long a submitted report stays Pending', '1500')
    .option('--fault <name>', 'turn on a fault switch: NAME, NAME=<n>, NAME=true|false or NAME=connA,connB (repeatable)', collect, [])
    .action(async (options: { host: string; port: string; generationMs: string; fault: string[] }) => {
      // Check every --fault before listening, so a typo never leaves a half-configured simulator running.
      try {
        const probe = defaultFaultSwitches();
        for (const text of options.fault) applyFaultOption(probe, text);
      } catch (error) {
        if (!(error instanceof FaultOptionError)) throw error;
        process.stderr.write(`msads-etl simulator: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const base = demoSimulatorOptions();
      const sim = await startSimulator({
        ...base,
        host: options.host,
        port: Number(options.port),
        generationMs: Number(options.generationMs),
      });
      const faultsOn = options.fault.map((text) => applyFaultOption(sim.faults, text));
      const lines = [
        'Simulator running (Ctrl-C to stop).',
        `  Reporting SOAP     ${sim.urls.reporting}`,
        `  Reporting WSDL     ${sim.urls.reportingWsdl}`,
        `  Reporting REST     ${sim.urls.reportingRest}`,
        `  Customer Mgmt SOAP ${sim.urls.customer}`,
        `  Customer Mgmt REST ${sim.urls.customerRest}`,
        `  Nango API          ${sim.urls.nango}`,
        '',
        'Point the worker at it with:',
        `  export NANGO_HOST=${sim.urls.nango}`,
        `  export NANGO_SECRET_KEY=${base.nangoSecretKey}`,
        `  export MSADS_DEVELOPER_TOKEN=${base.developerToken}`,
        'and, for REST (JSON):',
        '  export MSADS_API=rest',
        `  export MSADS_REPORTING_REST_URL=${sim.urls.reportingRest}`,
        `  export MSADS_CUSTOMER_REST_URL=${sim.urls.customerRest}`,
        'or, for MSADS_API=soap:',
        '  export MSADS_API=soap',
        `  export MSADS_REPORTING_ENDPOINT=${sim.urls.reporting}`,
        `  export MSADS_CUSTOMER_ENDPOINT=${sim.urls.customer}`,
        '',
        `Faults on: ${faultsOn.length > 0 ? faultsOn.join(', ') : 'none'}`,
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
