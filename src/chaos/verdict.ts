import type { Queue } from 'bullmq';
import pg from 'pg';
import type { PlannedWindow } from './chaosPlan.js';

/**
 * The chaos run's verdict, read from Postgres, the queue and the simulator once everything settled:
 * every planned window loaded exactly once with exactly the simulator's rows, no duplicate rows, no run
 * left non-final, every ledger status equal to its job's outcome, at most two submits per window.
 */

export const FINAL_STATUSES = ['succeeded', 'empty', 'failed'] as const;

export interface Assertion {
  name: string;
  ok: boolean;
  /** The figure the assertion is about, and up to a few examples when it fails. */
  detail: string;
}

interface RunRow {
  id: number;
  job_id: string | null;
  connection_id: string;
  account_id: number;
  report: string;
  window_start: string;
  window_end: string;
  status: string;
  created_at: Date;
}

export interface VerdictInput {
  pool: pg.Pool;
  queue: Queue;
  planned: readonly PlannedWindow[];
  /** Accepted SubmitGenerateReport calls per window (the simulator's count). */
  submitsByWindow: Record<string, number>;
  /** When Redis lost everything, and which windows had been enqueued by then. */
  wipe: { at: Date; enqueuedBefore: ReadonlySet<string> } | undefined;
}

export interface Verdict {
  assertions: Assertion[];
  figures: { windowsLoaded: number; rowsExpected: number; rowsLoaded: number; duplicateRows: number; nonFinalRuns: number; submitsMax: number; submitsMean: number; lostInWipe: number };
}

const examples = (items: string[]) => (items.length === 0 ? '' : `: ${items.slice(0, 4).join('; ')}${items.length > 4 ? `; … (${items.length})` : ''}`);
const windowName = (w: PlannedWindow) => `${w.target.connectionId}/${w.target.accountId}/${w.target.report} ${w.target.from}..${w.target.to}`;

export async function judge(input: VerdictInput): Promise<Verdict> {
  const { pool, queue, planned } = input;
  const runs = (
    await pool.query<RunRow>(
      `SELECT id, job_id, connection_id, account_id, report, to_char(window_start, 'YYYY-MM-DD') AS window_start,
              to_char(window_end, 'YYYY-MM-DD') AS window_end, status, created_at FROM report_runs ORDER BY id`,
    )
  ).rows;
  const runsOf = (w: PlannedWindow) =>
    runs.filter(
      (r) =>
        r.connection_id === w.target.connectionId &&
        String(r.account_id) === w.target.accountId &&
        r.report === w.target.report &&
        r.window_start === w.target.from &&
        r.window_end === w.target.to,
    );

  // 1. Exactly one loaded run per window, and the window's rows exactly the simulator's.
  const notLoaded: string[] = [];
  const loadedTwice: string[] = [];
  const wrongRows: string[] = [];
  let rowsExpected = 0;
  let rowsLoaded = 0;
  const bad = new Set<PlannedWindow>();
  for (const w of planned) {
    rowsExpected += w.expected.rows;
    const loaded = runsOf(w).filter((r) => r.status === 'succeeded' || r.status === 'empty');
    if (loaded.length !== 1) bad.add(w);
    if (loaded.length === 0) notLoaded.push(windowName(w));
    if (loaded.length > 1) loadedTwice.push(`${windowName(w)} (runs ${loaded.map((r) => r.id).join(', ')})`);
    const actual = (
      await pool.query<{ rows: number; impressions: string | null; clicks: string | null }>(
        `SELECT count(*)::int AS rows, sum(impressions)::text AS impressions, sum(clicks)::text AS clicks
           FROM ${pg.escapeIdentifier(w.table)} WHERE account_id = $1 AND time_period BETWEEN $2 AND $3`,
        [w.target.accountId, w.target.from, w.target.to],
      )
    ).rows[0];
    const rows = actual?.rows ?? 0;
    rowsLoaded += rows;
    const same = rows === w.expected.rows && Number(actual?.impressions ?? 0) === w.expected.impressions && Number(actual?.clicks ?? 0) === w.expected.clicks;
    if (!same) bad.add(w);
    if (!same) wrongRows.push(`${windowName(w)} has ${rows} rows, expected ${w.expected.rows}`);
  }
  const loadedOk = planned.length - bad.size;

  // 2. Duplicates: per table and account, rows beyond the union of the planned windows' days.
  let duplicateRows = 0;
  const unions = new Map<string, { table: string; accountId: string; days: Map<string, number> }>();
  for (const w of planned) {
    const key = `${w.table}|${w.target.accountId}`;
    const u = unions.get(key) ?? { table: w.table, accountId: w.target.accountId, days: new Map() };
    for (const [day, n] of w.byDay) u.days.set(day, n);
    unions.set(key, u);
  }
  const duplicateTables: string[] = [];
  for (const u of unions.values()) {
    const expected = [...u.days.values()].reduce((a, n) => a + n, 0);
    const actual = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(u.table)} WHERE account_id = $1`, [u.accountId])).rows[0]?.n ?? 0;
    if (actual > expected) {
      duplicateRows += actual - expected;
      duplicateTables.push(`${u.table}/${u.accountId} ${actual - expected} extra`);
    }
  }

  // 3. Runs left non-final.
  const nonFinal = runs.filter((r) => !(FINAL_STATUSES as readonly string[]).includes(r.status));

  // 4. Ledger status = the queue's outcome, for every planned window's job.
  const mismatches: string[] = [];
  let lostInWipe = 0;
  for (const w of planned) {
    const windowRuns = runsOf(w);
    const job = await queue.getJob(w.jobId);
    if (!job) {
      // A job record lost with Redis is expected only behind a finished run: an open run must have its job back.
      const latest = windowRuns.at(-1);
      const final = latest !== undefined && (FINAL_STATUSES as readonly string[]).includes(latest.status);
      const lost = input.wipe !== undefined && input.wipe.enqueuedBefore.has(w.jobId) && final && latest.created_at < input.wipe.at;
      if (lost) lostInWipe++;
      else if (latest) mismatches.push(`${windowName(w)}: run ${latest.id} is ${latest.status} but the queue has no job`);
      continue;
    }
    const state = await job.getState();
    const dataRunId = (job.data as { runId?: number }).runId;
    if (state === 'completed') {
      const runId = (job.returnvalue as { runId?: number } | null)?.runId ?? dataRunId;
      const run = runs.find((r) => r.id === runId);
      if (!run || (run.status !== 'succeeded' && run.status !== 'empty')) mismatches.push(`${windowName(w)}: job completed, run ${runId ?? '?'} is ${run?.status ?? 'missing'}`);
    } else if (state === 'failed') {
      const run = runs.find((r) => r.id === dataRunId);
      if (!run || run.status !== 'failed') mismatches.push(`${windowName(w)}: job failed (${job.failedReason}), run ${dataRunId ?? '?'} is ${run?.status ?? 'missing'}`);
    } else {
      mismatches.push(`${windowName(w)}: job still ${state}`);
    }
  }

  // 5. Submits per window (the simulator's own count).
  const submits = planned.map((w) => input.submitsByWindow[w.submitKey] ?? 0);
  const submitsMax = Math.max(0, ...submits);
  const submitsMean = submits.reduce((a, n) => a + n, 0) / Math.max(1, submits.length);
  const overSubmitted = planned.filter((w) => (input.submitsByWindow[w.submitKey] ?? 0) > 2).map((w) => `${windowName(w)} ${input.submitsByWindow[w.submitKey]}`);

  const assertions: Assertion[] = [
    {
      name: 'every window loaded exactly once with the simulator’s rows',
      ok: loadedOk === planned.length,
      detail:
        `${loadedOk}/${planned.length}; not loaded ${notLoaded.length}${examples(notLoaded)}; loaded more than once ${loadedTwice.length}${examples(loadedTwice)}; ` +
        `rows differ ${wrongRows.length}${examples(wrongRows)}`,
    },
    { name: 'no duplicate rows', ok: duplicateRows === 0, detail: `${duplicateRows}${examples(duplicateTables)}` },
    { name: 'no run left non-final', ok: nonFinal.length === 0, detail: `${nonFinal.length}${examples(nonFinal.map((r) => `run ${r.id} ${r.status} (${r.report} ${r.account_id} ${r.window_start})`))}` },
    { name: 'ledger status = queue outcome', ok: mismatches.length === 0, detail: `${mismatches.length} mismatches${examples(mismatches)}` },
    { name: 'submits per window ≤ 2', ok: submitsMax <= 2, detail: `max ${submitsMax}, mean ${submitsMean.toFixed(2)}; over 2: ${overSubmitted.length}${examples(overSubmitted)}` },
  ];
  return {
    assertions,
    figures: { windowsLoaded: loadedOk, rowsExpected, rowsLoaded, duplicateRows, nonFinalRuns: nonFinal.length, submitsMax, submitsMean, lostInWipe },
  };
}
