import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { FaultSwitches } from '../simulator/index.js';
import type { ChaosProfile } from './chaosProfile.js';
import type { ChaosProcess, Fleet } from './fleet.js';
import { blockLoads } from './loadBlocker.js';
import type { PostgresServer } from './postgresServer.js';
import type { RedisServer } from './redisServer.js';

/**
 * The faults of the chaos run, one function each, and the record of what each one did. None of them
 * decides the verdict; each records enough for the run to say the fault really happened (a deploy
 * that found no worker loading is recorded as such, and fails the run's fault-script check).
 */

export interface DeployRecord {
  /** The worker was SIGTERMed while its Postgres backend waited inside a load. */
  duringLoad: boolean;
  /** How long the load was held after the SIGTERM; beyond the grace, the worker must give the job up. */
  holdMs: number;
  /** From SIGTERM to exit, and how it exited. */
  exitMs: number | undefined;
  exitCode: number | null | undefined;
}

export interface FaultRecord {
  kills: number;
  deploys: DeployRecord[];
  freezes: { ms: number; duringLoad: boolean; stallsSeen: number }[];
  redisAofRestarts: number;
  redisWipes: { at: Date }[];
  postgresOutagesMs: number[];
  /** Single-shot simulator faults armed beside the kills (internal errors, HTML pages, expired URLs). */
  sprinkled: number;
}

export interface FaultDeps {
  profile: ChaosProfile;
  fleet: Fleet;
  pool: pg.Pool;
  redis: RedisServer;
  postgres: PostgresServer;
  faults: FaultSwitches;
  tables: readonly string[];
  record: FaultRecord;
  log: (line: string) => void;
}

export const emptyFaultRecord = (): FaultRecord => ({ kills: 0, deploys: [], freezes: [], redisAofRestarts: 0, redisWipes: [], postgresOutagesMs: [], sprinkled: 0 });

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

/**
 * Every Reporting call is throttled (117 CallRateExceeded, REST 429) with probability `share`: the
 * simulator's throttleNext counter read through a getter that draws each time it is consulted.
 */
export function throttleShare(faults: FaultSwitches, share: number): { stop(): void } {
  let on = true;
  Object.defineProperty(faults, 'throttleNext', {
    configurable: true,
    enumerable: true,
    get: () => (on && Math.random() < share ? 1 : 0),
    set: () => undefined,
  });
  return {
    stop() {
      on = false;
      Object.defineProperty(faults, 'throttleNext', { configurable: true, enumerable: true, writable: true, value: 0 });
    },
  };
}

/** SIGKILLs a random worker every seconds/kills, each replaced at once, until the target is reached or stop(). */
export function startKiller(deps: FaultDeps): { done: Promise<void>; stop(): void } {
  const { profile, fleet, faults, record } = deps;
  let stopped = false;
  const everyMs = (profile.seconds * 1_000) / profile.kills;
  const done = (async () => {
    while (!stopped && record.kills < profile.kills) {
      await sleep(everyMs);
      let victim: ChaosProcess | undefined;
      while (!stopped && !(victim = pick(fleet.liveWorkers(1_500)))) await sleep(250);
      if (!victim) return;
      await fleet.kill(victim);
      record.kills++;
      const fault = pick(['internalErrorNext', 'htmlInsteadOfSoap', 'expireDownloadUrls'] as const) ?? 'internalErrorNext';
      faults[fault] += 1;
      record.sprinkled++;
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}

/** Holds the report tables' loads until a worker is provably mid-load, then hands that worker to `act`. */
async function atWorkerMidLoad(deps: FaultDeps, act: (p: ChaosProcess) => Promise<void>): Promise<ChaosProcess | undefined> {
  const blocker = await blockLoads(deps.pool, deps.tables);
  try {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const pids = await blocker.waitForBlockedLoads(deadline - Date.now());
      const worker = pids.map((pid) => deps.fleet.byPid(pid)).find((p) => p?.role === 'worker' && p.state === 'running');
      if (worker) {
        await act(worker);
        return worker;
      }
      await sleep(200);
    }
    return undefined;
  } finally {
    await blocker.release();
  }
}

/** A rolling deploy of a worker in the middle of a load: SIGTERM it, start a new one, hold the load holdMs. */
export async function deployDuringLoad(deps: FaultDeps, holdMs: number): Promise<void> {
  let sigtermAt = 0;
  const victim = await atWorkerMidLoad(deps, async (worker) => {
    sigtermAt = Date.now();
    deps.fleet.deploy(worker);
    deps.log(`deploy: SIGTERM worker ${worker.n} (pid ${worker.pid}) while it loads; new worker started; load held ${holdMs} ms (grace ${deps.profile.graceSeconds} s)`);
    await sleep(holdMs);
  });
  if (!victim) {
    deps.record.deploys.push({ duringLoad: false, holdMs, exitMs: undefined, exitCode: undefined });
    deps.log('deploy: no worker was found loading within 90 s');
    return;
  }
  const bound = sleep((deps.profile.graceSeconds + 20) * 1_000).then(() => undefined);
  const exit = await Promise.race([victim.exit, bound]);
  deps.record.deploys.push({ duringLoad: true, holdMs, exitMs: exit ? Date.now() - sigtermAt : undefined, exitCode: exit?.code });
  deps.log(`deploy: old worker ${victim.n} ${exit ? `exited with code ${exit.code} after ${Date.now() - sigtermAt} ms` : 'did not exit'}`);
}

/** A worker frozen (SIGSTOP) in the middle of a load for freezeMs, past its lock duration, then SIGCONT. */
export async function freezeDuringLoad(deps: FaultDeps): Promise<void> {
  const ms = deps.profile.freezeMs;
  let frozenAt = 0;
  const victim = await atWorkerMidLoad(deps, async (worker) => {
    deps.fleet.freeze(worker);
    frozenAt = Date.now();
    deps.log(`freeze: SIGSTOP worker ${worker.n} (pid ${worker.pid}) mid-load for ${ms} ms (lock ${deps.profile.lockDurationMs} ms)`);
  });
  if (!victim) {
    deps.record.freezes.push({ ms: 0, duringLoad: false, stallsSeen: 0 });
    deps.log('freeze: no worker was found loading within 90 s');
    return;
  }
  await sleep(ms - (Date.now() - frozenAt));
  deps.fleet.thaw(victim);
  const stallsSeen = deps.fleet.figures.stallTimes.filter((t) => t >= frozenAt).length;
  deps.record.freezes.push({ ms: Date.now() - frozenAt, duringLoad: true, stallsSeen });
  deps.log(`freeze: SIGCONT worker ${victim.n}; stalled jobs reported meanwhile: ${stallsSeen}`);
}

/** Redis crashes (SIGKILL) and restarts from its append-only file. */
export async function redisCrashWithAof(deps: FaultDeps): Promise<void> {
  await deps.redis.kill('SIGKILL');
  await sleep(700);
  await deps.redis.start();
  deps.record.redisAofRestarts++;
  deps.log('redis: crashed (SIGKILL) and restarted from its append-only file');
}

/** Redis crashes and comes back empty: every job, lock, limiter key and schedule is gone. */
export async function redisCrashLosingEverything(deps: FaultDeps): Promise<Date> {
  await deps.redis.kill('SIGKILL');
  const at = new Date();
  await deps.redis.wipe();
  await sleep(700);
  await deps.redis.start();
  deps.record.redisWipes.push({ at });
  deps.log('redis: crashed (SIGKILL) and restarted without its data (no persistence): every job is gone');
  return at;
}

/** Postgres stopped (immediate shutdown: a crash, recovery at the next start) for the profile's outage. */
export async function postgresOutage(deps: FaultDeps): Promise<void> {
  await deps.postgres.stop('immediate');
  const down = Date.now();
  deps.log(`postgres: stopped (pg_ctl -m immediate) for ${Math.round(deps.profile.postgresDownMs / 1000)} s`);
  await sleep(deps.profile.postgresDownMs);
  await deps.postgres.start();
  deps.record.postgresOutagesMs.push(Date.now() - down);
  deps.log(`postgres: started again after ${((Date.now() - down) / 1000).toFixed(1)} s`);
}
