import { parse } from 'csv-parse/sync';

/**
 * Byte-level CSV record boundaries without parsing fields: a newline ends a record unless it lies
 * inside quotes, and since RFC 4180 escapes a quote by doubling it, the parity of quotes seen so far
 * tells which. One pass of cheap byte compares, so it can run over every byte of a large file.
 */
export class RecordScanner {
  private nonBlank = false;
  /** Every '\n' so far, quoted or not: what line numbers count. */
  private newlineCount = 0;
  /** The previous chunk ended in an unquoted '\r': the next byte decides whether it was bare. */
  private pendingCr = false;

  constructor(private quoted = false) {}

  get newlines(): number {
    return this.newlineCount;
  }

  get inQuotes(): boolean {
    return this.quoted;
  }

  /**
   * Calls onEnd for each record end in `chunk`, with the index just after its '\n', whether the
   * record held only whitespace (a blank line) and the newlines so far, its own included. State carries
   * over to the next chunk.
   *
   * onBareCr, if given, hears of each '\r' outside quotes that no '\n' follows, with the number of
   * newlines before it. We end records only at '\n'; Postgres' COPY ends them at a bare '\r' too when
   * the first line ends so, and the two would then disagree on where records are.
   */
  scan(
    chunk: Uint8Array,
    onEnd: (next: number, blank: boolean, newlines: number) => void,
    onBareCr?: (newlinesBefore: number) => void,
  ): void {
    let quoted = this.quoted;
    let nonBlank = this.nonBlank;
    let newlines = this.newlineCount;
    if (this.pendingCr && chunk.length > 0) {
      this.pendingCr = false;
      if (chunk[0] !== 0x0a) onBareCr?.(newlines);
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === 0x22) {
        quoted = !quoted;
        nonBlank = true;
      } else if (b === 0x0a) {
        newlines++;
        if (!quoted) {
          onEnd(i + 1, !nonBlank, newlines);
          nonBlank = false;
        }
      } else if (b > 0x20) {
        nonBlank = true;
      } else if (b === 0x0d && !quoted && onBareCr) {
        // Only whitespace bytes get here, so the data's hot path pays nothing for this.
        if (i + 1 === chunk.length) this.pendingCr = true;
        else if (chunk[i + 1] !== 0x0a) onBareCr(newlines);
      }
    }
    this.quoted = quoted;
    this.nonBlank = nonBlank;
    this.newlineCount = newlines;
  }
}

export interface RecordSpan {
  start: number;
  /** Just after the record's newline, or the buffer's end for a last record without one. */
  next: number;
  blank: boolean;
}

/**
 * The records of a whole buffer; a final record without a newline counts too. `quoted`: the buffer
 * starts inside a quoted field.
 */
export function splitRecords(buffer: Uint8Array, quoted = false): RecordSpan[] {
  const spans: RecordSpan[] = [];
  let start = 0;
  new RecordScanner(quoted).scan(buffer, (next, blank) => {
    spans.push({ start, next, blank });
    start = next;
  });
  if (start < buffer.length) {
    const rest = buffer.subarray(start);
    spans.push({ start, next: buffer.length, blank: rest.every((b) => b <= 0x20) });
  }
  return spans;
}

/** The fields of one record (its bytes, newline included or not); null if it is not valid CSV. */
export function recordFields(record: Uint8Array): string[] | null {
  try {
    const rows = parse(Buffer.from(record.buffer, record.byteOffset, record.byteLength), {
      relax_column_count: true,
      skip_empty_lines: false,
    }) as string[][];
    return rows[0] ?? [];
  } catch {
    return null;
  }
}
