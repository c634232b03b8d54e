import { startPostgresServer } from '../../src/chaos/postgresServer.js';

/**
 * A Postgres server of the test's own, on a port of its own, which the test may stop (as a crash) and
 * start again without touching the shared one on 5432. The chaos run's server (src/chaos/postgresServer.ts)
 * does the work; this is the shape the outage tests use.
 */
export interface PrivatePostgres {
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const server = await startPostgresServer();
  return {
    port: server.port,
    url: (database) => server.url(database),
    stop: () => server.stop('immediate'),
    start: () => server.start(),
    close: () => server.close(),
  };
}
