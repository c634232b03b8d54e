import { createWriteStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/**
 * Writes the zip a download serves to a file (so it can be sent with a Content-Length while memory
 * stays flat), including the broken shapes the zip fault switches ask for.
 */

export interface ZipShape {
  /** No entry at all. */
  noEntry: boolean;
  /** A second, different CSV entry after the report. */
  secondEntry: boolean;
  /** Invalid deflate data and no end-of-central-directory record. */
  corrupt: boolean;
}

const EOCD_BYTES = 22;

export async function writeZipFile(path: string, entryName: string, csv: () => Readable, shape: ZipShape, signal?: AbortSignal): Promise<number> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  // yazl listens to neither its input streams' errors nor, for callers, its own: route both into the
  // pipeline, or a failing generator would be an uncaught exception.
  zip.on('error', (error: Error) => output.destroy(error));
  if (!shape.noEntry) {
    const input = csv();
    input.on('error', (error) => output.destroy(error));
    signal?.addEventListener('abort', () => input.destroy(), { once: true });
    // The fastest deflate: Microsoft states no level, a reader must take any, and on a 2-core bench
    // machine the stand-in must not be what bounds the night (level 6 took 1.6x as long, 18 % smaller).
    zip.addReadStream(input, entryName, { mtime: new Date(0), compressionLevel: 1 });
  }
  if (shape.secondEntry && !shape.noEntry) {
    zip.addBuffer(Buffer.from('\uFEFF"Note"\r\n"This entry is not the report."\r\n'), `second-${entryName}`, { mtime: new Date(0) });
  }
  zip.end();
  await pipeline(output, createWriteStream(path), signal ? { signal } : {});
  if (shape.corrupt) await corrupt(path, !shape.noEntry);
  return (await stat(path)).size;
}

/**
 * Breaks the archive for every kind of reader: central-directory readers (yauzl, unzipper.Open) miss
 * the end record, and streaming readers hit an invalid deflate block type (first byte 0xFF = BFINAL 1,
 * BTYPE 11, which is reserved). Corrupting data bytes alone would not do: neither reader checks CRCs.
 */
async function corrupt(path: string, hasEntry: boolean): Promise<void> {
  if (hasEntry) {
    const file = await open(path, 'r+');
    try {
      const header = Buffer.alloc(30);
      await file.read(header, 0, 30, 0);
      const dataOffset = 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      await file.write(Buffer.from([0xff, 0xff]), 0, 2, dataOffset);
    } finally {
      await file.close();
    }
  }
  const { size } = await stat(path);
  await truncate(path, Math.max(0, size - EOCD_BYTES));
}
