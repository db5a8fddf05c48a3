/** An ISO BMFF box: its type, where its body starts (after its size and type), and where it ends. */
export interface Box {
  type: string;
  body: number;
  end: number;
}

/** The boxes between start and end; stops at the first one that does not fit. */
export function boxes(data: Buffer, start: number, end: number): Box[] {
  const found: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = data.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      size = Number(data.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset; // the last box runs to the end
    }
    if (size < header || offset + size > end) break;
    found.push({
      type: data.toString('latin1', offset + 4, offset + 8),
      body: offset + header,
      end: offset + size,
    });
    offset += size;
  }
  return found;
}

/** Reads an unsigned big-endian integer of 0, 1, 2, 4 or 8 bytes. */
export function uint(data: Buffer, offset: number, bytes: number): number {
  if (bytes === 0) return 0;
  if (bytes === 1) return data.readUInt8(offset);
  if (bytes === 2) return data.readUInt16BE(offset);
  if (bytes === 4) return data.readUInt32BE(offset);
  return Number(data.readBigUInt64BE(offset));
}

/** Runs a read that a length pointing past the end makes throw; what it could not read is skipped. */
export function tolerant(read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
}
