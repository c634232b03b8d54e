import { Transform, type TransformCallback } from 'node:stream';
import { ReportFileError } from '../errors.js';
import { checkHeaderColumns, readHeader, type CsvHeader } from './csvHeader.js';
import { RecordScanner, recordFields, splitRecords, type RecordSpan } from './csvRecords.js';

/**
 * Turns a Microsoft report CSV into the bytes of `COPY … FROM STDIN (FORMAT csv)`: the data rows,
 * byte for byte. JavaScript touches only the edges: the BOM, header block and column header at the
 * start, and the Total row, blank lines and copyright footer at the end. Everything between streams
 * through untouched, so memory stays flat whatever the file size; Postgres parses the rows.
 *
 * The end is found by holding back the last few records (record boundaries come from quote parity,
 * so a quoted newline never splits a record) and parsing only those at the end of the stream.
 *
 * COPY must read the records we pass exactly as we count them (`records`, checked against COPY's
 * row count by the load). Two things would make it read fewer, silently, so they are refused here:
 * a record that is exactly `\.` (COPY's end-of-data marker: it would stop there and report success)
 * and a '\r' outside quotes that does not end a CRLF (COPY would split lines there, and `\.` after
 * it ends the data too). A quoted `\.` is data to COPY, and is loaded as such.
 */

/** Non-blank records held back: room for a Total row and the footer, with margin. */
const KEEP_RECORDS = 4;
/** Past this, held bytes are released anyway: only a malformed file (an unclosed quote) gets here. */
const MAX_HELD_BYTES = 4 * 1024 * 1024;
const MAX_HEAD_BYTES = 1024 * 1024;

const FOOTER = /^\s*[©@]?\s*\d{4}\s+Microsoft Corporation\.\s*All rights reserved/i;

/** Microsoft's copyright line, the footer's last record. */
function isCopyright(record: Uint8Array): boolean {
  const fields = recordFields(record);
  return fields?.length === 1 && FOOTER.test((fields[0] as string).trim());
}

const BACKSLASH = 0x5c;
const DOT = 0x2e;

/** `\.` alone on its line, with the line's end or without (the file's last bytes). */
function isEndMarker(bytes: Uint8Array): boolean {
  if (bytes[0] !== BACKSLASH || bytes[1] !== DOT) return false;
  const rest = bytes.subarray(2);
  return rest.length === 0 || (rest.length === 1 && (rest[0] === 0x0a || rest[0] === 0x0d)) || (rest.length === 2 && rest[0] === 0x0d && rest[1] === 0x0a);
}

export class CsvToCopy extends Transform {
  /** Resolves once the column header row is read and checked, before any data is pushed. */
  readonly header: Promise<CsvHeader>;
  private resolveHeader!: (header: CsvHeader) => void;
  private rejectHeader!: (err: Error) => void;
  private headerRead = false;
  private head: Buffer[] = [];
  private headBytes = 0;

  private readonly scanner = new RecordScanner();
  /** Bytes received but not yet pushed, from absolute offset heldStart. */
  private held: Buffer[] = [];
  private heldStart = 0;
  private heldBytes = 0;
  /** Absolute end offsets of the last non-blank records; the oldest beyond KEEP_RECORDS can go. */
  private ends: number[] = [];
  private lastEnd = 0;
  private releasable = 0;
  /** Whether `releasable` lies inside a quoted field (only when a record outgrew MAX_HELD_BYTES). */
  private releasableQuoted = false;
  /** Records the scanner saw end in the body, blank ones included: COPY reads those too. */
  private recordEnds = 0;
  private pushedRecords: number | undefined;
  private summaryDropped = false;
  private firstDataLine = 1;
  /** Position of AccountId in the header, -1 if the report has none. */
  private accountIdAt = -1;

  constructor(private readonly requestedColumns: readonly string[]) {
    super();
    this.header = new Promise<CsvHeader>((resolve, reject) => {
      this.resolveHeader = resolve;
      this.rejectHeader = reject;
    });
    // Consumers that never await the header must not see an unhandled rejection.
    this.header.catch(() => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (this.headerRead) this.body(chunk);
      else this.readHead(chunk, false);
      this.release();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /** The records passed to COPY, blank ones included; known once the stream has ended. */
  get records(): number {
    if (this.pushedRecords === undefined) throw new Error('CsvToCopy.records is known only once the stream has ended');
    return this.pushedRecords;
  }

  /** Whether a Total row before the footer was left out (known once the stream has ended). */
  get summaryRowDropped(): boolean {
    return this.summaryDropped;
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.headerRead) this.readHead(Buffer.alloc(0), true);
      this.release();
      const tail = Buffer.concat(this.held);
      const spans = splitRecords(tail, this.releasableQuoted);
      const record = (k: number) => tail.subarray((spans[k] as RecordSpan).start, (spans[k] as RecordSpan).next);
      const last = spans[spans.length - 1];
      const unterminated = last !== undefined && tail[last.next - 1] !== 0x0a;
      if (unterminated && isEndMarker(record(spans.length - 1))) throw this.endMarkerError(this.scanner.newlines);
      const keep = this.dataRecordsOf(spans, record);
      const end = keep === 0 ? 0 : (spans[keep - 1] as RecordSpan).next;
      if (end > 0) this.push(tail.subarray(0, end));
      this.pushedRecords = this.recordEnds + (unterminated ? 1 : 0) - (spans.length - keep);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /**
   * How many of the tail's records are data: all but trailing blank lines and Microsoft's footer. The
   * footer exists only when the request asks for it (we set ExcludeReportFooter, REPORT_FILE_OPTIONS):
   * the copyright line, and before it possibly a summary row whose first field is "Total". Such a row
   * is dropped only there and only without a numeric account id, which every data row of a report
   * that has the column carries: a campaign or account named "Total" is data, wherever it sits.
   */
  private dataRecordsOf(spans: readonly RecordSpan[], record: (k: number) => Uint8Array): number {
    let keep = spans.length;
    const skipBlank = () => {
      while (keep > 0 && (spans[keep - 1] as RecordSpan).blank) keep--;
    };
    skipBlank();
    if (keep === 0 || !isCopyright(record(keep - 1))) return keep;
    keep--;
    skipBlank();
    if (keep > 0 && this.isSummaryRow(record(keep - 1))) {
      keep--;
      this.summaryDropped = true;
    }
    return keep;
  }

  private isSummaryRow(bytes: Uint8Array): boolean {
    const fields = recordFields(bytes);
    if (fields === null || (fields[0] ?? '').trim() !== 'Total') return false;
    // Where AccountId is the first column (as in Microsoft's own example), "Total" stands in it: no id.
    return this.accountIdAt === -1 || !/^\d+$/.test((fields[this.accountIdAt] ?? '').trim());
  }

  private endMarkerError(newlinesBefore: number): ReportFileError {
    return new ReportFileError(
      'bad_csv',
      `line ${this.firstDataLine + newlinesBefore} is \\., which Postgres' COPY takes for the end of the data; refusing the file rather than loading the rows before it`,
    );
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    if (!this.headerRead) this.rejectHeader(err ?? new Error('report CSV stream closed before its column header row'));
    callback(err);
  }

  private readHead(chunk: Buffer, final: boolean): void {
    this.head.push(chunk);
    this.headBytes += chunk.length;
    const head = Buffer.concat(this.head);
    this.head = [head];
    const found = readHeader(head, final);
    if (found === null) {
      if (this.headBytes > MAX_HEAD_BYTES) {
        throw new ReportFileError('columns_mismatch', `no column header row in the first ${MAX_HEAD_BYTES} bytes`);
      }
      return;
    }
    checkHeaderColumns(found.header.columns, this.requestedColumns);
    this.firstDataLine = found.header.firstDataLine;
    this.accountIdAt = found.header.columns.indexOf('AccountId');
    this.headerRead = true;
    this.head = [];
    this.resolveHeader(found.header);
    this.body(head.subarray(found.dataStart));
  }

  private body(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const base = this.heldStart + this.heldBytes;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.scanner.scan(
      chunk,
      (next, blank, newlines) => {
        const start = this.lastEnd;
        this.lastEnd = base + next;
        this.recordEnds++;
        // Only a record of 3 or 4 bytes can be "\.\n" or "\.\r\n": the common case costs one compare.
        const length = this.lastEnd - start;
        if ((length === 3 || length === 4) && start >= this.heldStart && isEndMarker(this.heldBytesAt(start, length))) {
          throw this.endMarkerError(newlines - 1);
        }
        if (blank) return;
        this.ends.push(base + next);
        if (this.ends.length > KEEP_RECORDS) {
          this.releasable = this.ends.shift() as number;
          this.releasableQuoted = false;
        }
      },
      (newlinesBefore) => {
        throw new ReportFileError(
          'bad_csv',
          `line ${this.firstDataLine + newlinesBefore} has a carriage return outside quotes that does not end the line; ` +
            "Postgres' COPY could end a row there, so the file is refused",
        );
      },
    );
    if (this.heldBytes - (this.releasable - this.heldStart) > MAX_HELD_BYTES) {
      if (this.lastEnd > this.releasable) {
        this.releasable = this.lastEnd;
        this.releasableQuoted = false;
      }
      if (this.heldBytes - (this.releasable - this.heldStart) > MAX_HELD_BYTES) {
        this.releasable = base + chunk.length;
        this.releasableQuoted = this.scanner.inQuotes;
      }
      this.ends = [];
    }
  }

  /** `length` held bytes from absolute offset `at` (rare: only for records of a few bytes). */
  private heldBytesAt(at: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    let offset = this.heldStart;
    let copied = 0;
    for (const chunk of this.held) {
      const end = offset + chunk.length;
      if (end > at + copied && copied < length) {
        const from = at + copied - offset;
        copied += chunk.copy(out, copied, from, Math.min(chunk.length, from + length - copied));
      }
      offset = end;
      if (copied === length) break;
    }
    return out;
  }

  /** Pushes held bytes up to the release point. */
  private release(): void {
    let count = this.releasable - this.heldStart;
    while (count > 0) {
      const first = this.held[0] as Buffer;
      const take = Math.min(count, first.length);
      // Chunks pass on as they came (16 KiB from unzip): coalescing them measured no faster.
      this.push(first.subarray(0, take));
      if (take === first.length) this.held.shift();
      else this.held[0] = first.subarray(take);
      this.heldStart += take;
      this.heldBytes -= take;
      count -= take;
    }
  }
}
