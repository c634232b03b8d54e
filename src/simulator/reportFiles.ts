import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simAccount, type SimAccountAttributes } from './customerAccounts.js';
import { fileVariant, type FaultSwitches } from './faultSwitches.js';
import type { AccountShape } from './generator.js';
import { statedZone } from './reportHeader.js';
import type { StoredReport } from './reportStore.js';
import { writeZipFile } from './reportZip.js';
import { bombCsvStream, servedCsvStream, type ServedReport } from './servedCsv.js';

/**
 * Report zips on disk. A report's file is built while it is Pending (Microsoft generates during
 * Pending too), served with a Content-Length, and rebuilt when a file-shaping fault switch changed
 * since. Least recently used files are deleted beyond a size budget, so long benchmarks do not fill
 * the disk; rebuilding is deterministic, and deleting a file being streamed is harmless (the open
 * descriptor keeps it readable).
 */

export interface BuiltFile {
  path: string;
  size: number;
}

const MAX_BYTES = 1024 * 1024 * 1024;
const MAX_FILES = 256;

/** What Microsoft would serve for a stored report; `accounts` gives the first scope account's time zone. */
export function servedReport(report: StoredReport, accounts: Readonly<Record<string, SimAccountAttributes>> = {}): ServedReport {
  const { spec } = report;
  const first = spec.accountIds[0] as string;
  const accountZone = simAccount(first, report.customerId, accounts[first]).timeZone;
  return {
    accountIds: spec.accountIds,
    columns: spec.columns,
    aggregation: spec.aggregation,
    from: spec.window.from,
    to: spec.window.to,
    reportName: spec.reportName ?? `${spec.requestType.replace(/Request$/, '')}-${new Date(report.submittedAt).toISOString()}`,
    excludeReportHeader: spec.excludeReportHeader,
    excludeReportFooter: spec.excludeReportFooter,
    excludeColumnHeaders: spec.excludeColumnHeaders,
    timeZone: statedZone(spec.aggregation, spec.reportTimeZone, accountZone),
    generatedAt: report.submittedAt,
  };
}

interface Entry {
  variant: string;
  file: Promise<BuiltFile>;
  size: number;
}

export class ReportFiles {
  /** Map order is recency order: every access re-inserts the entry at the end. */
  readonly #built = new Map<string, Entry>();
  readonly #abort = new AbortController();
  #counter = 0;

  constructor(
    private readonly dir: string,
    private readonly seed: string,
    private readonly shape: AccountShape | undefined,
    private readonly accounts: Readonly<Record<string, SimAccountAttributes>> = {},
  ) {
    // Every build in flight listens on the one abort signal; dozens at once are normal, not a leak.
    setMaxListeners(0, this.#abort.signal);
  }

  /** The zip for a report as the current fault switches shape it. */
  get(report: StoredReport, faults: FaultSwitches): Promise<BuiltFile> {
    const variant = fileVariant(faults);
    const cached = this.#built.get(report.id);
    this.#built.delete(report.id);
    if (cached && cached.variant === variant) {
      this.#built.set(report.id, cached);
      return cached.file;
    }
    if (cached) this.#remove(cached);
    const entry: Entry = { variant, file: this.#build(report, faults), size: 0 };
    this.#built.set(report.id, entry);
    entry.file.then(
      (f) => {
        entry.size = f.size;
        this.#evict();
      },
      // A failed build must not stick: the next download tries again.
      () => {
        if (this.#built.get(report.id) === entry) this.#built.delete(report.id);
      },
    );
    return entry.file;
  }

  #build(report: StoredReport, faults: FaultSwitches): Promise<BuiltFile> {
    // Read every switch now: they may change while the file is being written.
    const path = join(this.dir, `${report.id}-${++this.#counter}.zip`);
    const served = servedReport(report, this.accounts);
    const bomb = faults.zipBombBytes;
    const damage = {
      layout: faults.csvHeaderLayout ? { ...faults.csvHeaderLayout } : null,
      columnsMismatch: faults.columnsMismatch,
      raggedRows: faults.raggedRows,
      nonNumericValue: faults.nonNumericValue,
      wrongRowCount: faults.wrongRowCount,
    };
    const shape = { noEntry: faults.zipWithNoEntry, secondEntry: faults.zipWithTwoEntries, corrupt: faults.corruptZip };
    const csv = () => (bomb > 0 ? bombCsvStream(served.columns, bomb) : servedCsvStream(served, this.seed, this.shape, damage));
    return writeZipFile(path, `${report.id}.csv`, csv, shape, this.#abort.signal).then((size) => ({ path, size }));
  }

  /** Stops builds in progress (the simulator is closing). */
  abort(): void {
    this.#abort.abort();
  }

  #evict(): void {
    let bytes = 0;
    for (const e of this.#built.values()) bytes += e.size;
    for (const [id, e] of this.#built) {
      if (bytes <= MAX_BYTES && this.#built.size <= MAX_FILES) break;
      if (e.size === 0) continue; // still building
      this.#built.delete(id);
      bytes -= e.size;
      this.#remove(e);
    }
  }

  #remove(entry: Entry): void {
    entry.file.then((f) => rm(f.path, { force: true })).catch(() => undefined);
  }
}
