import { open } from 'node:fs/promises';

/**
 * The entry count a zip's end records declare, read before unzipper sees the file. unzipper allocates
 * and walks one slot per declared entry before it reads any (`mapSeries(Array(numberOfRecords))`), so
 * a zip64 end record declaring 10^8 entries exhausts the heap from a file of a few hundred bytes.
 *
 * The records are found the way unzipper finds them, so both read the same ones: the first
 * end-of-central-directory signature in the file's last 80 bytes (unzipper's default tailSize), and,
 * when that record defers to zip64, the locator just before it and the zip64 record it points to.
 * Anything unreadable returns undefined: unzipper then fails on it as a corrupt zip.
 */

const TAIL_BYTES = 80;
const END = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;

export async function declaredEntryCount(path: string, size: number): Promise<bigint | undefined> {
  const file = await open(path, 'r');
  const read = async (position: number, length: number): Promise<Buffer | undefined> => {
    if (position < 0 || position + length > size) return undefined;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return bytesRead === length ? buffer : undefined;
  };
  try {
    const tailStart = Math.max(0, size - TAIL_BYTES);
    const tail = await read(tailStart, size - tailStart);
    const signature = Buffer.alloc(4);
    signature.writeUInt32LE(END);
    const at = tail?.indexOf(signature) ?? -1;
    if (tail === undefined || at === -1 || at + 22 > tail.length) return undefined;
    const diskNumber = tail.readUInt16LE(at + 4);
    const entries = tail.readUInt16LE(at + 10);
    const directoryOffset = tail.readUInt32LE(at + 16);
    // unzipper's (and Go's) test for zip64.
    if (diskNumber !== 0xffff && entries !== 0xffff && directoryOffset !== 0xffffffff) return BigInt(entries);
    const locator = await read(tailStart + at - 20, 20);
    if (locator?.readUInt32LE(0) !== ZIP64_LOCATOR) return undefined;
    const recordOffset = locator.readBigUInt64LE(8);
    if (recordOffset > BigInt(size)) return undefined;
    const record = await read(Number(recordOffset), 56);
    if (record?.readUInt32LE(0) !== ZIP64_END) return undefined;
    return record.readBigUInt64LE(32);
  } finally {
    await file.close();
  }
}
