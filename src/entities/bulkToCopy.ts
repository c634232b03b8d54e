import { Transform, type TransformCallback } from 'node:stream';
import { ReportFileError } from '../errors.js';
import { specOfRecordType, stagedHeaders, type EntityColumnType } from './catalog.js';

/**
 * Turns the records of a Bulk file (arrays of fields from csv-parse, header first) into the lines of
 * `COPY msads_bulk_stage FROM STDIN` (text format), in one pass: the Type column and the staged
 * headers of every record a table takes, values checked and normalised on the way (dates and times to
 * ISO, ids and amounts checked), empty cells and `delete_value` as NULL. The Format Version and Account
 * records are read here (the Sync Time comes from the Account record, never from our clock); unknown
 * record types are counted and skipped, unknown columns noted.
 */

/** Staged columns, in order: the ordinal, the record type, then stagedHeaders(). */
export const STAGED = stagedHeaders();

export interface BulkFileFacts {
  formatVersion: string | undefined;
  /** The Account record's Id and Sync Time (ISO, UTC). */
  accountId: string | undefined;
  syncTime: string | undefined;
  /** Records staged for a table. */
  staged: number;
  unknownTypes: Record<string, number>;
  unknownColumns: string[];
}

/**
 * Columns Microsoft documents (BULK-FACTS §8) that no table reads yet: not "unknown", so no note. A
 * column outside this list and the catalog is one Microsoft added since, and is noted in the run.
 */
const KNOWN_OTHER_HEADERS = new Set([
  'Type', 'Name', 'Sync Time', 'Client Id', 'Error', 'Error Number',
  'Headlines', 'Long Headlines', 'Descriptions', 'Business Name', 'Images', 'Ad Rotation', 'Inherited Bid Strategy Type',
  'Ad Group Type', 'Title Part 2', 'Title Part 3', 'Text', 'Text Part 2', 'Mobile Final Url', 'Param1', 'Param2', 'Param3',
  'Final Url Suffix', 'Custom Parameter', 'Bid Strategy Name', 'Bid Strategy MaxCpc', 'Bid Strategy TargetCpa',
  'Bid Strategy TargetRoas', 'Domain', 'Quality Score', 'Keyword Relevance', 'Landing Page Relevance',
  'Landing Page User Experience',
]);

const DATE_US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DATE_ISO = /^\d{4}-\d{2}-\d{2}$/;
const TIME_US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?$/;
const TIME_ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const BIGINT = /^-?\d{1,19}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)$/;

const pad = (s: string) => s.padStart(2, '0');

/** The value as COPY text, or undefined when it is not a value of the type (the caller reports it). */
export function normalise(value: string, type: EntityColumnType): string | null | undefined {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'delete_value') return null;
  switch (type) {
    case 'text':
      return value;
    case 'bigint':
      return BIGINT.test(v) ? v : undefined;
    case 'numeric':
      return NUMERIC.test(v) ? v : undefined;
    case 'date': {
      const m = DATE_US.exec(v);
      if (m) return `${m[3]}-${pad(m[1] as string)}-${pad(m[2] as string)}`;
      return DATE_ISO.test(v) ? v : undefined;
    }
    case 'timestamptz': {
      const m = TIME_US.exec(v);
      if (m) return `${m[3]}-${pad(m[1] as string)}-${pad(m[2] as string)}T${pad(m[4] as string)}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}Z`;
      if (TIME_ISO.test(v)) return /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v.replace(' ', 'T')}Z`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL as \N. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export class BulkToCopy extends Transform {
  readonly facts: BulkFileFacts = { formatVersion: undefined, accountId: undefined, syncTime: undefined, staged: 0, unknownTypes: {}, unknownColumns: [] };
  private index: number[] | undefined;
  private typeIndex = -1;
  private nameIndex = -1;
  private syncIndex = -1;
  private line = 0;
  private pending = '';
  /** The column types a record's own table reads (others are staged as text and never cast). */
  private readonly typed = new Map<string, (EntityColumnType | null)[]>();

  constructor() {
    super({ writableObjectMode: true, readableObjectMode: false });
  }

  override _transform(record: string[], _enc: BufferEncoding, done: TransformCallback): void {
    this.line += 1;
    try {
      if (this.index === undefined) {
        this.readHeader(record);
        done();
        return;
      }
      const out = this.stage(record);
      if (out !== undefined) {
        // Lines go to COPY in chunks of ~64 KB: one socket write per record cost more than the parse.
        this.pending += out;
        if (this.pending.length >= 65_536) {
          const chunk = this.pending;
          this.pending = '';
          done(null, chunk);
          return;
        }
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.index === undefined) {
      done(new ReportFileError('columns_mismatch', 'the bulk file is empty: no header row'));
      return;
    }
    done(null, this.pending.length > 0 ? this.pending : undefined);
  }

  private readHeader(header: string[]): void {
    const names = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
    this.typeIndex = names.indexOf('Type');
    if (this.typeIndex !== 0) throw new ReportFileError('columns_mismatch', `the bulk file's first column is "${names[0] ?? ''}", not Type: not a Bulk download file`);
    const position = new Map(names.map((n, i) => [n, i]));
    this.index = STAGED.map((h) => position.get(h) ?? -1);
    this.nameIndex = position.get('Name') ?? -1;
    this.syncIndex = position.get('Sync Time') ?? -1;
    const known = new Set([...STAGED, ...KNOWN_OTHER_HEADERS]);
    this.facts.unknownColumns = names.filter((n) => n !== '' && !known.has(n));
  }

  /** Per staged column, the type its record's table reads it as, or null when that table does not read it. */
  private typesFor(recordType: string): (EntityColumnType | null)[] | undefined {
    const cached = this.typed.get(recordType);
    if (cached) return cached;
    const spec = specOfRecordType(recordType);
    if (!spec) return undefined;
    const read = new Map<string, EntityColumnType>([
      ['Id', 'bigint'],
      ['Parent Id', 'bigint'],
      ['Status', 'text'],
    ]);
    for (const c of spec.columns) if (typeof c.header === 'string') read.set(c.header, c.type);
    const types = STAGED.map((h) => read.get(h) ?? null);
    this.typed.set(recordType, types);
    return types;
  }

  private stage(record: string[]): string | undefined {
    const type = (record[this.typeIndex] ?? '').trim();
    if (type === '') return undefined;
    if (type === 'Format Version') {
      this.facts.formatVersion = (record[this.nameIndex] ?? '').trim();
      if (!/^6(\.0)?$/.test(this.facts.formatVersion)) {
        throw new ReportFileError('columns_mismatch', `the bulk file is Format Version "${this.facts.formatVersion}"; only 6.0 is read`);
      }
      return undefined;
    }
    if (type === 'Account') {
      const idIndex = this.index?.[STAGED.indexOf('Id')] ?? -1;
      this.facts.accountId = (record[idIndex] ?? '').trim();
      const sync = normalise(record[this.syncIndex] ?? '', 'timestamptz');
      if (!sync) throw new ReportFileError('bad_value', `line ${this.line}: the Account record's Sync Time "${record[this.syncIndex] ?? ''}" is not a date and time`);
      this.facts.syncTime = sync;
      return undefined;
    }
    const types = this.typesFor(type);
    if (!types) {
      this.facts.unknownTypes[type] = (this.facts.unknownTypes[type] ?? 0) + 1;
      return undefined;
    }
    const index = this.index as number[];
    const fields: string[] = [String(this.line), copyField(type)];
    for (let i = 0; i < STAGED.length; i++) {
      const columnType = types[i] as EntityColumnType | null;
      const at = index[i] as number;
      // A column this record's table does not read is never cast: staged as NULL, not checked.
      if (columnType === null || at < 0) {
        fields.push('\\N');
        continue;
      }
      const raw = record[at] ?? '';
      const value = normalise(raw, columnType);
      if (value === undefined) {
        throw new ReportFileError('bad_value', `line ${this.line} (${type}), column "${STAGED[i] as string}": "${raw.slice(0, 60)}" is not a ${columnType}`);
      }
      fields.push(copyField(value));
    }
    this.facts.staged += 1;
    return `${fields.join('\t')}\n`;
  }
}
