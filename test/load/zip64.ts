import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * Hand-written zip64 archives holding one deflated entry, with every size and count the directory
 * declares under the test's control: yazl only writes honest archives, and a bomb is what the
 * headers claim against what the data does. Built in memory, so no binary is committed.
 */

export interface Zip64Lies {
  /** Uncompressed size in the central directory's zip64 extra field (default: the real size). */
  uncompressedSize?: bigint;
  /** Compressed size in the zip64 extra field (default: the real size). */
  compressedSize?: bigint;
  /** Entry count of the zip64 end-of-central-directory record (default 1). */
  entries?: bigint;
  /** Leave the zip64 extra field out: the directory says 0xFFFFFFFF and nothing more. */
  noZip64Extra?: boolean;
}

/**
 * Deflates `data` repeated `times` over without ever holding the whole: a full flush resets the
 * compressor, so one block decodes the same wherever it sits and can be repeated; an empty final block
 * closes the stream. A 1 MiB block repeated 1024 times is a 1 GiB entry in a few MB.
 */
function deflateRepeated(head: Buffer, data: Buffer, times: number): Buffer {
  const flushed = (bytes: Buffer) => deflateRawSync(bytes, { finishFlush: constants.Z_FULL_FLUSH });
  const block = flushed(data);
  return Buffer.concat([flushed(head), ...Array.from({ length: times }, () => block), deflateRawSync(Buffer.alloc(0))]);
}

/**
 * A zip64 archive whose one entry is `data`, declaring what `lies` says; with `repeat`, the entry is
 * `data` followed by `repeat.block` repeated `repeat.times` over.
 */
export function zip64Archive(data: Buffer, lies: Zip64Lies = {}, repeat?: { block: Buffer; times: number }): Buffer {
  const compressed = repeat === undefined ? deflateRawSync(data) : deflateRepeated(data, repeat.block, repeat.times);
  const realSize = BigInt(data.length) + (repeat === undefined ? 0n : BigInt(repeat.block.length) * BigInt(repeat.times));
  const name = Buffer.from('report.csv');

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(45, 4); // version needed: zip64
  local.writeUInt16LE(8, 8); // deflate
  // The CRC-32 of the content (repeated entries are bombs, refused at the cap before their end).
  const crc = repeat === undefined ? crc32(data) : 0;
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(0xffffffff, 22);
  local.writeUInt16LE(name.length, 26);

  const extra = Buffer.alloc(lies.noZip64Extra ? 0 : 20);
  if (!lies.noZip64Extra) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(lies.uncompressedSize ?? realSize, 4);
    extra.writeBigUInt64LE(lies.compressedSize ?? BigInt(compressed.length), 12);
  }
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(45, 4);
  central.writeUInt16LE(45, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(0xffffffff, 20);
  central.writeUInt32LE(0xffffffff, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(extra.length, 30);
  const directory = Buffer.concat([central, name, extra]);
  const directoryOffset = local.length + name.length + compressed.length;

  const entries = lies.entries ?? 1n;
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(0x06064b50, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeBigUInt64LE(entries, 24);
  end64.writeBigUInt64LE(entries, 32);
  end64.writeBigUInt64LE(BigInt(directory.length), 40);
  end64.writeBigUInt64LE(BigInt(directoryOffset), 48);

  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8);
  locator.writeUInt32LE(1, 16);

  // The classic record defers every count and offset to the zip64 record.
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);

  return Buffer.concat([local, name, compressed, directory, end64, locator, end]);
}
