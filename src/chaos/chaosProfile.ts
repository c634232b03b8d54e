/**
 * How hard and how long the chaos run pushes: the long run (the default, the script of issue 10) and
 * the short one (`--short`, for CI: every kind of fault, shorter, in under about three minutes).
 */
export interface ChaosProfile {
  name: 'long' | 'short';
  /** Worker processes kept running (a scheduler process runs beside them). */
  workers: number;
  /** Seconds over which the SIGKILLs are spread; the fault script runs inside and after it. */
  seconds: number;
  /** SIGKILLs of a random worker, each followed at once by a replacement. */
  kills: number;
  /** Windows per connection × account × report, and their length in days. */
  windows: number;
  windowDays: number;
  /** How long Postgres stays stopped. */
  postgresDownMs: number;
  /** How long the frozen worker stays SIGSTOPped (well past its lock duration). */
  freezeMs: number;
  /** Shutdown grace of every worker (`worker --grace`). */
  graceSeconds: number;
  /** Share of Reporting calls answered 117 CallRateExceeded while the faults last. */
  throttleShare: number;
  /** Bound of the wait, after the faults, for every run to settle. */
  settleMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

const LONG: ChaosProfile = {
  name: 'long',
  workers: 3,
  seconds: 420,
  kills: 24,
  windows: 6,
  windowDays: 10,
  postgresDownMs: 125_000,
  freezeMs: 12_000,
  graceSeconds: 5,
  throttleShare: 0.3,
  settleMs: 600_000,
  lockDurationMs: 3_000,
  stalledIntervalMs: 1_000,
};

const SHORT: ChaosProfile = {
  ...LONG,
  name: 'short',
  seconds: 70,
  kills: 8,
  windows: 2,
  windowDays: 3,
  postgresDownMs: 18_000,
  freezeMs: 9_000,
  graceSeconds: 3,
  // The reconciler touches no run written in the last two minutes: room for it after the wipe.
  settleMs: 100_000,
};

/** `--short`, `--seconds N`, `--workers N`, `--kills N`, `--settle-seconds N`; unknown options are refused. */
export function parseChaosArgs(args: readonly string[]): ChaosProfile {
  const profile = { ...(args.includes('--short') ? SHORT : LONG) };
  const numeric = { '--seconds': 'seconds', '--workers': 'workers', '--kills': 'kills', '--settle-seconds': 'settleMs' } as const;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--short') continue;
    if (!(arg in numeric)) throw new Error(`unknown option ${arg} (known: --short, ${Object.keys(numeric).join(', ')})`);
    const value = Number(args[++i]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive whole number`);
    const key = numeric[arg as keyof typeof numeric];
    profile[key] = key === 'settleMs' ? value * 1_000 : value;
  }
  return profile;
}
