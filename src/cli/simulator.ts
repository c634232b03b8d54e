import type { Command } from 'commander';
import { defaultFaultSwitches } from '../simulator/faultSwitches.js';
import { applyFaultOption, FaultOptionError } from '../simulator/faultOptions.js';
import { GenerationTimeError, describeGenerationTime, parseGenerationTime, type GenerationTime } from '../simulator/generationTime.js';
import { demoSimulatorOptions, startSimulator } from '../simulator/index.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export interface SimulatorCliOptions {
  host: string;
  port: string;
  generation?: string;
  generationMs?: string;
  concurrentLimit: string;
  seed: string;
  fault: string[];
}

/**
 * The generation time (--generation, else the older --generation-ms, else 1,500 ms fixed) and the hidden
 * cap from the command line. Throws GenerationTimeError / FaultOptionError for a bad value.
 */
export function simulatorSettings(options: Pick<SimulatorCliOptions, 'generation' | 'generationMs' | 'concurrentLimit'>): { generation: GenerationTime; concurrentLimit: number } {
  const generation = parseGenerationTime(options.generation ?? options.generationMs ?? '1500');
  if (!/^[0-9]+$/.test(options.concurrentLimit.trim())) {
    throw new FaultOptionError(`--concurrent-limit ${options.concurrentLimit}: needs a non-negative integer (0 = no limit)`);
  }
  return { generation, concurrentLimit: Number(options.concurrentLimit) };
}

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('run the local Microsoft Advertising (SOAP and REST) + Nango simulator and print its URLs')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4010')
    .option('--generation <ms|lognormal:MEDIAN_MS,SIGMA>', 'how long a submitted report stays Pending: fixed ms, or log-normal drawn per report request from --seed', '1500')
    .option('--generation-ms <ms>', 'fixed generation time (older spelling of --generation <ms>)')
    .option('--concurrent-limit <n>', "Microsoft's hidden per-customer cap: a Submit beyond n reports Pending for a customer answers 207 ConcurrentRequestOverLimit (0 = none)", '0')
    .option('--seed <text>', 'seed of the report data and of log-normal generation times', 'msads-sim')
    .option('--fault <name>', 'turn on a fault switch: NAME, NAME=<n>, NAME=true|false or NAME=connA,connB (repeatable)', collect, [])
    .action(async (options: SimulatorCliOptions) => {
      // Check every option before listening, so a typo never leaves a half-configured simulator running.
      let settings: { generation: GenerationTime; concurrentLimit: number };
      try {
        settings = simulatorSettings(options);
        const probe = defaultFaultSwitches();
        for (const text of options.fault) applyFaultOption(probe, text);
      } catch (error) {
        if (!(error instanceof FaultOptionError) && !(error instanceof GenerationTimeError)) throw error;
        process.stderr.write(`msads-etl simulator: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const base = demoSimulatorOptions();
      const sim = await startSimulator({
        ...base,
        host: options.host,
        port: Number(options.port),
        seed: options.seed,
        generation: settings.generation,
        concurrentLimit: settings.concurrentLimit,
      });
      const faultsOn = options.fault.map((text) => applyFaultOption(sim.faults, text));
      const lines = [
        'Simulator running (Ctrl-C to stop).',
        `  Reporting SOAP     ${sim.urls.reporting}`,
        `  Reporting WSDL     ${sim.urls.reportingWsdl}`,
        `  Reporting REST     ${sim.urls.reportingRest}`,
        `  Customer Mgmt SOAP ${sim.urls.customer}`,
        `  Customer Mgmt REST ${sim.urls.customerRest}`,
        `  Bulk REST          ${sim.urls.bulkRest}`,
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
        `  export MSADS_BULK_REST_URL=${sim.urls.bulkRest}`,
        'or, for MSADS_API=soap:',
        '  export MSADS_API=soap',
        `  export MSADS_REPORTING_ENDPOINT=${sim.urls.reporting}`,
        `  export MSADS_CUSTOMER_ENDPOINT=${sim.urls.customer}`,
        '',
        `Generation time: ${describeGenerationTime(settings.generation)}`,
        `Concurrent reports per customer: ${sim.faults.concurrentLimit > 0 ? `at most ${sim.faults.concurrentLimit} Pending (207 ConcurrentRequestOverLimit beyond)` : 'no limit'}`,
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
