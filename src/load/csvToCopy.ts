import { Transform, type TransformCallback } from 'node:stream';
import { ReportFileError } from '../errors.js';
import { checkHeaderColumns, readHeader, type CsvHeader } from './csvHeader.js';
import { RecordScanner, recordFields, splitRecords } from './csvRecords.js';

/**
 * Turns a Microsoft report CSV into the bytes of `COPY … FROM STDIN (FORMAT csv)`: the data rows,
 * byte for byte. JavaScript touches only the edges: the BOM, header block and column header at the
 * start, and the Total row, blank lines and copyright footer at the end. Everything between streams
 * through untouched, so memory stays flat whatever the file size; Postgres parses the rows.
 *
 * The end is found by holding back the last few records (record boundaries come from quote parity,
 * so a quoted newline never splits a record) and parsing only those at the end of the stream.
 */

/** Non-blank records held back: room for a Total row and the footer, with margin. */
const KEEP_RECORDS = 4;
/** Past this, held bytes are released anyway: only a malformed file (an unclosed quote) gets here. */
const MAX_HELD_BYTES = 4 * 1024 * 1024;
const MAX_HEAD_BYTES = 1024 * 1024;

const FOOTER = /^\s*[©@]?\s*\d{4}\s+Microsoft Corporation\.\s*All rights reserved/i;

/** A trailing record that is not data: blank, the copyright footer or a "Total" row. */
function isTrailer(record: Uint8Array, blank: boolean): boolean {
  if (blank) return true;
  const fields = recordFields(record);
  if (fields === null) return false;
  const first = (fields[0] ?? '').trim();
  if (fields.length === 1 && FOOTER.test(first)) return true;
  return first === 'Total';
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

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.headerRead) this.readHead(Buffer.alloc(0), true);
      this.release();
      const tail = Buffer.concat(this.held);
      const spans = splitRecords(tail);
      let keep = spans.length;
      while (keep > 0) {
        const span = spans[keep - 1] as (typeof spans)[number];
        if (!isTrailer(tail.subarray(span.start, span.next), span.blank)) break;
        keep--;
      }
      const end = keep === 0 ? 0 : (spans[keep - 1] as (typeof spans)[number]).next;
      if (end > 0) this.push(tail.subarray(0, end));
      callback();
    } catch (err) {
      callback(err as Error);
    }
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
    this.scanner.scan(chunk, (next, blank) => {
      this.lastEnd = base + next;
      if (blank) return;
      this.ends.push(base + next);
      if (this.ends.length > KEEP_RECORDS) this.releasable = this.ends.shift() as number;
    });
    if (this.heldBytes - (this.releasable - this.heldStart) > MAX_HELD_BYTES) {
      this.releasable = Math.max(this.releasable, this.lastEnd);
      if (this.heldBytes - (this.releasable - this.heldStart) > MAX_HELD_BYTES) this.releasable = base + chunk.length;
      this.ends = [];
    }
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
