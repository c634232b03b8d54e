import { tmpdir } from 'node:os';
import { requireCredentials, type Config } from '../config.js';
import { createDatabase } from '../db/client.js';
import type { ReportRunDeps } from '../jobs/context.js';
import type { Logger } from '../logger.js';
import { createNangoTokenSource } from '../nango/tokenSource.js';
import { createReportingService } from '../soap/reportingClient.js';

/**
 * Builds what a run needs from the configuration. Called once by each process's composition root
 * (worker, run-once, demo); everything below receives these objects, nothing reads the environment.
 */
export async function createRunDeps(config: Config, logger: Logger): Promise<{ deps: ReportRunDeps; close(): Promise<void> }> {
  const { nangoSecretKey, developerToken } = requireCredentials(config);
  const database = createDatabase(config.databaseUrl, { max: Math.max(4, config.worker.concurrency + 2) });
  try {
    const reporting = await createReportingService({
      wsdl: config.msads.reportingWsdl,
      endpoint: config.msads.reportingEndpoint,
      timeoutMs: config.http.timeoutMs,
    });
    const tokens = createNangoTokenSource({
      secretKey: nangoSecretKey,
      host: config.nango.host,
      integrationId: config.nango.integrationId,
      timeoutMs: Math.min(config.http.timeoutMs, 30_000),
    });
    const deps: ReportRunDeps = {
      database,
      reporting,
      tokens,
      developerToken,
      timeZone: config.msads.reportTimeZone,
      poll: config.poll,
      limits: config.limits,
      httpTimeoutMs: config.http.timeoutMs,
      tmpDir: config.tmpDir ?? tmpdir(),
      logger,
      now: () => Date.now(),
    };
    return { deps, close: () => database.close() };
  } catch (err) {
    await database.close();
    throw err;
  }
}
