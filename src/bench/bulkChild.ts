import { createDatabase } from '../db/client.js';
import { loadBulkZip } from '../entities/loadEntities.js';
import { entityNames } from '../entities/catalog.js';

/** One entity load in a process of its own (its peak RSS is the load path's). Args: databaseUrl zipPath accountId runId. */
const [databaseUrl, zipPath, accountId, runId] = process.argv.slice(2) as [string, string, string, string];
const database = createDatabase(databaseUrl, { max: 1, applicationName: 'msads-bench-bulk' });
try {
  await database.pool.query('SELECT 1');
  const startRssKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  const outcome = await loadBulkZip(database.pool, { accountId, runId: Number(runId), mode: 'full', tables: entityNames }, zipPath, { maxUncompressedBytes: Number.MAX_SAFE_INTEGER }, async () => undefined);
  const ms = performance.now() - started;
  process.send?.({ records: outcome.records, ms, startRssKb, maxRssKb: process.resourceUsage().maxRSS });
} finally {
  await database.close();
}
