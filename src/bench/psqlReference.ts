import { spawn } from 'node:child_process';
import pg from 'pg';
import { copyStageSql, castColumnsSql, createStageSql, STAGE_TABLE, type LoadShape } from '../load/loadSql.js';

/**
 * Postgres' own tools as the reference for the load path: `unzip -p file.zip | psql` COPYing into the
 * same temp text staging table (HEADER skips the column row), then one INSERT … SELECT with the same
 * casts into an identically indexed table, all in one psql transaction (-1). It reads the variant of
 * the file without header block, Total row and footer, which COPY could not skip.
 */
export async function psqlReference(databaseUrl: string, shape: LoadShape, plainZip: string, window: { accountId: string; from: string; to: string }): Promise<void> {
  const literal = (v: string) => pg.escapeLiteral(v);
  const { targets, values } = castColumnsSql(shape, {
    accountId: `${literal(window.accountId)}::bigint`,
    windowStart: `${literal(window.from)}::date`,
    windowEnd: `${literal(window.to)}::date`,
    timeZone: literal('GreenwichMeanTimeDublinEdinburghLisbonLondon'),
    runId: '0',
    fileTimeZone: 'NULL',
  });
  const insert = `INSERT INTO ${pg.escapeIdentifier(shape.name)} (${targets.join(', ')}) SELECT ${values.join(', ')} FROM ${STAGE_TABLE} s`;
  const copy = copyStageSql().replace('(FORMAT csv', '(FORMAT csv, HEADER');
  const unzip = spawn('unzip', ['-p', plainZip], { stdio: ['ignore', 'pipe', 'inherit'] });
  const psql = spawn(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', databaseUrl, '-c', createStageSql(shape.csvColumns.map((c) => c.name)), '-c', copy, '-c', insert],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  );
  unzip.stdout.pipe(psql.stdin);
  const exit = (child: ReturnType<typeof spawn>, name: string) =>
    new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
    });
  await Promise.all([exit(unzip, 'unzip'), exit(psql, 'psql')]);
}
