import { Readable } from 'node:stream';
import { BULK_COLUMNS, BULK_RECORD_TYPES, bulkDateTime, type BulkRecordType, type BulkWorldView } from './bulkWorld.js';
import { writeZipFile } from './reportZip.js';

/**
 * The Bulk download file (BULK-FACTS §6): one CSV in a zip, UTF-8 with a byte order mark, CRLF, Excel
 * quoting (a field is quoted only when it holds a comma, a quote or a line break; inner quotes doubled).
 * The header row is `Type` and the union of every record type's columns; each row fills its own. The
 * `Format Version` record (Name 6.0) comes first, then the `Account` record (Id, Parent Id = customer,
 * Sync Time), then the entities parent-before-child. A full file lists the current entities; a delta
 * the ones modified after LastSyncTimeInUTC plus `Status = Deleted` records (§7.2).
 */

/** The header row, in this order (the extra-column fault switch inserts one more after Parent Id). */
export const BULK_HEADERS: readonly string[] = (() => {
  const headers = ['Type', 'Status', 'Id', 'Parent Id', 'Campaign', 'Ad Group', 'Asset Group', 'Sync Time', 'Name'];
  const modified = 'Modified Time';
  for (const type of BULK_RECORD_TYPES) for (const c of BULK_COLUMNS[type]) if (c !== modified && !headers.includes(c)) headers.push(c);
  headers.push(modified);
  return headers;
})();

/** The column the bulkExtraColumn switch adds (a column Microsoft might add any day). */
export const EXTRA_COLUMN = 'Simulator Future Column';
/** The record type the bulkUnknownRecordType switch adds after the campaigns. */
export const UNKNOWN_RECORD_TYPE = 'Campaign Negative Site';

export interface BulkFileSpec {
  world: BulkWorldView;
  customerId: string;
  types: ReadonlySet<BulkRecordType>;
  /** LastSyncTimeInUTC in ms; null = full download. */
  since: number | null;
  /** The Account record's Sync Time (ms, whole seconds). */
  syncTime: number;
  extraColumn: boolean;
  unknownRecordType: boolean;
}

const NEEDS_QUOTES = /[",\r\n]/;
const field = (v: string) => (NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The file's rows as header-name → value maps (Type included), lazily: a million records stay flat in memory. */
export function* bulkRows(spec: BulkFileSpec): Generator<Record<string, string>> {
  yield { Type: 'Format Version', Name: '6.0' };
  yield { Type: 'Account', Id: spec.world.accountId, 'Parent Id': spec.customerId, 'Sync Time': bulkDateTime(spec.syncTime) };
  const since = spec.since;
  const deletions = since === null ? [] : [...spec.world.deletionsSince(since, spec.types)];
  for (const type of BULK_RECORD_TYPES) {
    if (!spec.types.has(type)) continue;
    const only = new Set([type]);
    for (const e of spec.world.records(only)) {
      if (since !== null && e.modifiedAt <= since) continue;
      yield { Type: type, ...e.fields };
      if (type === 'Campaign' && spec.unknownRecordType) {
        yield { Type: UNKNOWN_RECORD_TYPE, Id: String(Number(e.id) + 5e13), 'Parent Id': e.id, Campaign: e.fields.Campaign ?? '', Status: 'Active', 'Modified Time': e.fields['Modified Time'] ?? '' };
      }
    }
    for (const d of deletions) {
      if (d.type !== type) continue;
      const row: Record<string, string> = { Type: type, Status: 'Deleted', Id: d.id };
      if (d.parentId !== '') row['Parent Id'] = d.parentId;
      row['Modified Time'] = bulkDateTime(d.deletedAt);
      yield row;
    }
  }
}

export function bulkCsvStream(spec: BulkFileSpec): Readable {
  const headers = [...BULK_HEADERS];
  if (spec.extraColumn) headers.splice(headers.indexOf('Parent Id') + 1, 0, EXTRA_COLUMN);
  async function* chunks(): AsyncGenerator<string> {
    let buffer = `\uFEFF${headers.map(field).join(',')}\r\n`;
    let n = 0;
    for (const row of bulkRows(spec)) {
      if (spec.extraColumn) row[EXTRA_COLUMN] = `future ${++n}`;
      buffer += `${headers.map((h) => field(row[h] ?? '')).join(',')}\r\n`;
      if (buffer.length >= 65_536) {
        yield buffer;
        buffer = '';
        // Stream pulls are microtasks: without a macrotask turn a big file would starve every socket.
        await yieldToEventLoop();
      }
    }
    if (buffer.length > 0) yield buffer;
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}

/** Writes the zip (one CSV entry; `corrupt` breaks it as the report corruptZip switch does). */
export function writeBulkZip(path: string, entryName: string, spec: BulkFileSpec, corrupt: boolean, signal?: AbortSignal): Promise<number> {
  return writeZipFile(path, entryName, () => bulkCsvStream(spec), { noEntry: false, secondEntry: false, corrupt }, signal);
}
