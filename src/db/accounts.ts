import { and, asc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { accounts } from './schema.js';

/** Operations on the accounts table (ad accounts per connection, as discovered). The database comes first. */

export type AccountRow = typeof accounts.$inferSelect;

/** An account as discovery hands it to the database (ids as decimal text, like everywhere else). */
export interface DiscoveredAccount {
  connectionId: string;
  accountId: string;
  accountNumber: string | null;
  accountName: string | null;
  parentCustomerId: string;
  currencyCode: string | null;
  timeZone: string | null;
  lifecycleStatus: string | null;
}

const BATCH = 1_000;

/**
 * Replaces what is known about one connection's accounts with a complete discovery: new accounts are
 * added, known ones updated and stamped, and accounts the discovery no longer returned get removed_at.
 */
export async function syncConnectionAccounts(db: Db, connectionId: string, found: readonly DiscoveredAccount[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < found.length; i += BATCH) {
      const rows = found.slice(i, i + BATCH).map((a) => ({
        connectionId,
        accountId: Number(a.accountId),
        accountNumber: a.accountNumber,
        accountName: a.accountName,
        parentCustomerId: Number(a.parentCustomerId),
        currencyCode: a.currencyCode,
        timeZone: a.timeZone,
        lifecycleStatus: a.lifecycleStatus,
      }));
      await tx
        .insert(accounts)
        .values(rows)
        .onConflictDoUpdate({
          target: [accounts.connectionId, accounts.accountId],
          set: {
            accountNumber: sql`excluded.account_number`,
            accountName: sql`excluded.account_name`,
            parentCustomerId: sql`excluded.parent_customer_id`,
            currencyCode: sql`excluded.currency_code`,
            timeZone: sql`excluded.time_zone`,
            lifecycleStatus: sql`excluded.lifecycle_status`,
            lastSeenAt: sql`now()`,
            removedAt: null,
          },
        });
    }
    const ids = found.map((a) => Number(a.accountId));
    const gone = ids.length > 0 ? notInArray(accounts.accountId, ids) : undefined;
    await tx
      .update(accounts)
      .set({ removedAt: sql`now()` })
      .where(and(eq(accounts.connectionId, connectionId), isNull(accounts.removedAt), gone));
  });
}

/** Accounts as last discovered (removed ones left out unless asked for), ordered by connection and id. */
export async function listAccounts(db: Db, options: { connectionId?: string; includeRemoved?: boolean } = {}): Promise<DiscoveredAccount[]> {
  const rows = await db
    .select()
    .from(accounts)
    .where(
      and(
        options.connectionId === undefined ? undefined : eq(accounts.connectionId, options.connectionId),
        options.includeRemoved ? undefined : isNull(accounts.removedAt),
      ),
    )
    .orderBy(asc(accounts.connectionId), asc(accounts.accountId));
  return rows.map(toDiscovered);
}

export async function listAccountRows(db: Db, connectionId?: string): Promise<AccountRow[]> {
  return db
    .select()
    .from(accounts)
    .where(connectionId === undefined ? undefined : eq(accounts.connectionId, connectionId))
    .orderBy(asc(accounts.connectionId), asc(accounts.accountId));
}

function toDiscovered(r: AccountRow): DiscoveredAccount {
  return {
    connectionId: r.connectionId,
    accountId: String(r.accountId),
    accountNumber: r.accountNumber,
    accountName: r.accountName,
    parentCustomerId: String(r.parentCustomerId),
    currencyCode: r.currencyCode,
    timeZone: r.timeZone,
    lifecycleStatus: r.lifecycleStatus,
  };
}
