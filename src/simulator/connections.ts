import { randomBytes } from 'node:crypto';

/**
 * The simulator's one user directory, shared by its Nango and Microsoft faces: which connection
 * (Microsoft user) may act for which customer and accounts, and the OAuth access tokens Nango hands
 * out for them. Like Microsoft's tokens, an access token stays valid until it expires even after Nango
 * has refreshed it; expired tokens are remembered for a day so the service can tell "expired" (109)
 * from "unknown" (105).
 */

export interface ConnectionInput {
  connectionId: string;
  customerId: string;
  accountIds: string[];
  metadata?: Record<string, unknown>;
  /** The Microsoft user id behind the connection (GetUser); default 900000000 + its position. */
  userId?: string;
  /** Accounts of other (client) customers the user manages through agency links. */
  linkedAccounts?: readonly { customerId: string; accountIds: readonly string[] }[];
}

export interface ConnectionState {
  /** Nango's numeric row id. */
  id: number;
  connectionId: string;
  /** The user's own customer. */
  customerId: string;
  /** Every account the user may act on: the own customer's, then the linked ones. */
  accountIds: readonly string[];
  /** Microsoft user id (GetUser, SearchAccounts UserId predicate). */
  userId: string;
  /** Every customer the user may name in a CustomerId header: the own one, then linked ones. */
  customerIds: readonly string[];
  ownAccountIds: readonly string[];
  linkedAccountIds: readonly string[];
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  lastFetchedAt: string | null;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface TokenInfo {
  connection: ConnectionState;
  expiresAt: number;
}

const TOKEN_MEMORY_MS = 86_400_000;

/**
 * The metadata a connection gets when none is given. The worker reads `customer_id` (the Microsoft
 * customer the CustomerId header names) and `account_ids` (the ad accounts to report on) from it.
 */
export function defaultMetadata(c: ConnectionInput): Record<string, unknown> {
  return { customer_id: c.customerId, account_ids: [...c.accountIds] };
}

export class ConnectionDirectory {
  readonly #connections = new Map<string, ConnectionState>();
  readonly #tokens = new Map<string, { connectionId: string; expiresAt: number }>();
  /** Every secret ever handed out (access and refresh tokens), for leak tests; bounded. */
  readonly #issued = new Set<string>();
  readonly #accountOwner = new Map<string, string>();

  constructor(
    inputs: readonly ConnectionInput[],
    private readonly tokenTtlMs: number,
    now: number,
  ) {
    const created = new Date(now).toISOString();
    inputs.forEach((c, index) => {
      if (this.#connections.has(c.connectionId)) throw new Error(`duplicate simulator connection ${c.connectionId}`);
      const owned: [string, string][] = [
        ...c.accountIds.map((a): [string, string] => [a, c.customerId]),
        ...(c.linkedAccounts ?? []).flatMap((l) => l.accountIds.map((a): [string, string] => [a, l.customerId])),
      ];
      for (const [account, customer] of owned) {
        const owner = this.#accountOwner.get(account);
        if (owner !== undefined && owner !== customer) throw new Error(`account ${account} cannot belong to customers ${owner} and ${customer}`);
        this.#accountOwner.set(account, customer);
      }
      const linkedAccountIds = (c.linkedAccounts ?? []).flatMap((l) => [...l.accountIds]);
      const state: ConnectionState = {
        id: index + 1,
        connectionId: c.connectionId,
        customerId: c.customerId,
        accountIds: [...new Set([...c.accountIds, ...linkedAccountIds])],
        userId: c.userId ?? String(900_000_000 + index + 1),
        customerIds: [...new Set([c.customerId, ...(c.linkedAccounts ?? []).map((l) => l.customerId)])],
        ownAccountIds: [...c.accountIds],
        linkedAccountIds,
        metadata: c.metadata ?? defaultMetadata(c),
        createdAt: created,
        updatedAt: created,
        lastFetchedAt: null,
        accessToken: '',
        refreshToken: this.#remember(newToken('M.R3_')),
        expiresAt: 0,
      };
      this.#issue(state, now);
      this.#connections.set(c.connectionId, state);
    });
  }

  get(connectionId: string): ConnectionState | undefined {
    return this.#connections.get(connectionId);
  }

  list(): ConnectionState[] {
    return [...this.#connections.values()];
  }

  /** The customer an account belongs to, if any connection knows it. */
  customerOf(accountId: string): string | undefined {
    return this.#accountOwner.get(accountId);
  }

  /** Returns the connection's current token, issuing a new one when it expired or a refresh is forced. */
  fetchCredentials(state: ConnectionState, forceRefresh: boolean, now: number): { refreshed: boolean } {
    state.lastFetchedAt = new Date(now).toISOString();
    if (!forceRefresh && state.expiresAt > now) return { refreshed: false };
    this.#issue(state, now);
    return { refreshed: true };
  }

  lookupToken(token: string, now: number): TokenInfo | undefined {
    const entry = this.#tokens.get(token);
    if (!entry) return undefined;
    const connection = this.#connections.get(entry.connectionId);
    if (!connection) return undefined;
    return { connection, expiresAt: entry.expiresAt };
  }

  /** Every issued token expires now; Nango issues fresh ones on the next fetch. */
  expireAll(now: number): void {
    for (const entry of this.#tokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
    for (const state of this.#connections.values()) state.expiresAt = Math.min(state.expiresAt, now);
  }

  #issue(state: ConnectionState, now: number): void {
    this.#prune(now);
    state.accessToken = this.#remember(newToken('EwB'));
    state.updatedAt = new Date(now).toISOString();
    state.expiresAt = now + this.tokenTtlMs;
    this.#tokens.set(state.accessToken, { connectionId: state.connectionId, expiresAt: state.expiresAt });
  }

  /** Every access and refresh token issued so far (the most recent 10,000). */
  issuedSecrets(): string[] {
    return [...this.#issued];
  }

  #remember(token: string): string {
    if (this.#issued.size >= 10_000) this.#issued.delete(this.#issued.values().next().value as string);
    this.#issued.add(token);
    return token;
  }

  #prune(now: number): void {
    for (const [token, entry] of this.#tokens) if (entry.expiresAt + TOKEN_MEMORY_MS < now) this.#tokens.delete(token);
  }
}

const newToken = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;
