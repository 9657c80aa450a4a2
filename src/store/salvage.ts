/**
 * Reads the messages out of a damaged store file without SQLite: every page of the file (and of its
 * write-ahead log) is parsed on its own, so a message survives when its own page does, whatever
 * happened to the pages above it in the tree. The file format is SQLite's (sqlite.org/fileformat.html):
 * only table leaf pages and their overflow chains are read. Nothing here trusts the bytes: every
 * offset is bounds-checked, and a page that does not parse is skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { HistoryEntry } from '../core/records';
import { rowChecksum } from './sqlite-store';

/** The page size the store creates its files with (used when the file's own header is unreadable). */
export const STORE_PAGE_SIZE = 4096;

const MAGIC = 'SQLite format 3\0';
const TABLE_LEAF = 0x0d;
const WAL_HEADER = 32;
const WAL_FRAME_HEADER = 24;

/** What the first 100 bytes of a file say about it, when they are readable. */
export interface FileHeader {
  /** The header starts with SQLite's magic string. */
  readonly sqlite: boolean;
  readonly pageSize: number;
  readonly reserved: number;
  /** `PRAGMA application_id`. */
  readonly applicationId: number;
  /** The first page of the free list, and how many pages it has (free pages hold stale rows). */
  readonly freelistTrunk: number;
  readonly freelistPages: number;
}

/** A message found in a damaged file, with its room. */
export interface SalvagedMessage {
  readonly room: string;
  readonly entry: HistoryEntry;
}

/** Reads the header of a store file; a header that is not SQLite's gives the store's own page size. */
export function readFileHeader(header: Buffer): FileHeader {
  const sqlite = header.length >= 100 && header.toString('latin1', 0, 16) === MAGIC;
  if (!sqlite) {
    return { sqlite, pageSize: STORE_PAGE_SIZE, reserved: 0, applicationId: 0, freelistTrunk: 0, freelistPages: 0 };
  }
  const raw = header.readUInt16BE(16);
  const size = raw === 1 ? 65536 : raw;
  const valid = size >= 512 && size <= 65536 && (size & (size - 1)) === 0;
  return {
    sqlite,
    pageSize: valid ? size : STORE_PAGE_SIZE,
    reserved: header[20] ?? 0,
    applicationId: header.readUInt32BE(68),
    freelistTrunk: header.readUInt32BE(32),
    freelistPages: header.readUInt32BE(36),
  };
}

/**
 * Every message row found in `file` and in `walFile` (when given), deduplicated by room and id (a
 * later copy wins: the log's pages are newer than the file's), each room's entries in id order.
 */
export function salvageMessages(file: string, walFile?: string): SalvagedMessage[] {
  const found = new Map<string, SalvagedMessage>();
  const keep = (message: SalvagedMessage): void => {
    found.set(`${message.entry.id} ${message.room}`, message);
  };
  const main = new PageFile(file);
  try {
    const header = readFileHeader(main.read(0, 100));
    const pageSize = header.pageSize;
    const usable = pageSize - header.reserved;
    const pages = Math.floor(main.size / pageSize);
    const free = freePages(main, header, pages);
    for (let n = 1; n <= pages; n++) {
      if (free.has(n)) continue;
      const page = main.read((n - 1) * pageSize, pageSize);
      rowsOfPage(
        page,
        n === 1 ? 100 : 0,
        usable,
        (p) => (p >= 1 && p <= pages ? main.read((p - 1) * pageSize, pageSize) : undefined),
        keep,
      );
    }
    if (walFile !== undefined) salvageWal(walFile, pageSize, usable, main, keep);
  } finally {
    main.close();
  }
  return [...found.values()].sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : a.entry.id - b.entry.id));
}

function salvageWal(
  walFile: string,
  pageSize: number,
  usable: number,
  main: PageFile,
  keep: (m: SalvagedMessage) => void,
): void {
  let wal: PageFile;
  try {
    wal = new PageFile(walFile);
  } catch {
    return;
  }
  try {
    const frame = WAL_FRAME_HEADER + pageSize;
    const frames = Math.floor(Math.max(0, wal.size - WAL_HEADER) / frame);
    const mainPages = Math.floor(main.size / pageSize);
    for (let i = 0; i < frames; i++) {
      const at = WAL_HEADER + i * frame;
      const pageNumber = wal.read(at, 4).readUInt32BE(0);
      const page = wal.read(at + WAL_FRAME_HEADER, pageSize);
      // An overflow page is looked up in the main file: the log holds no index of its own frames here.
      rowsOfPage(
        page,
        pageNumber === 1 ? 100 : 0,
        usable,
        (p) => (p >= 1 && p <= mainPages ? main.read((p - 1) * pageSize, pageSize) : undefined),
        keep,
      );
    }
  } finally {
    wal.close();
  }
}

/** The pages on the free list (bounded by the file's page count; a damaged list just ends early). */
function freePages(file: PageFile, header: FileHeader, pages: number): Set<number> {
  const free = new Set<number>();
  if (!header.sqlite) return free;
  let trunk = header.freelistTrunk;
  const seen = new Set<number>();
  while (trunk >= 1 && trunk <= pages && !seen.has(trunk) && free.size < pages) {
    seen.add(trunk);
    free.add(trunk);
    const page = file.read((trunk - 1) * header.pageSize, header.pageSize);
    const count = page.readUInt32BE(4);
    if (count > (header.pageSize - 8) / 4) break;
    for (let i = 0; i < count; i++) free.add(page.readUInt32BE(8 + 4 * i));
    trunk = page.readUInt32BE(0);
  }
  return free;
}

/** Calls `keep` for each message row of a table leaf page; anything else is ignored. */
function rowsOfPage(
  page: Buffer,
  headerAt: number,
  usable: number,
  pageAt: (n: number) => Buffer | undefined,
  keep: (m: SalvagedMessage) => void,
): void {
  if (page.length < headerAt + 8 || page[headerAt] !== TABLE_LEAF) return;
  const cells = page.readUInt16BE(headerAt + 3);
  for (let i = 0; i < cells; i++) {
    try {
      const pointerAt = headerAt + 8 + 2 * i;
      if (pointerAt + 2 > usable) return;
      const payload = cellPayload(page, page.readUInt16BE(pointerAt), usable, pageAt);
      const message = payload && messageOfRecord(payload);
      if (message) keep(message);
    } catch {
      // A damaged cell: its neighbours may still be whole.
    }
  }
}

/** A table leaf cell's payload, its overflow chain followed; undefined when it does not fit the page. */
function cellPayload(
  page: Buffer,
  at: number,
  usable: number,
  pageAt: (n: number) => Buffer | undefined,
): Buffer | undefined {
  const size = readVarint(page, at, usable);
  if (!size) return undefined;
  const rowid = readVarint(page, size.next, usable);
  if (!rowid) return undefined;
  const total = size.value;
  const start = rowid.next;
  const maxLocal = usable - 35;
  if (total <= maxLocal) return start + total <= usable ? page.subarray(start, start + total) : undefined;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((total - minLocal) % (usable - 4));
  const local = k <= maxLocal ? k : minLocal;
  if (start + local + 4 > usable) return undefined;
  const parts = [page.subarray(start, start + local)];
  let have = local;
  let next = page.readUInt32BE(start + local);
  for (let hops = 0; have < total && hops < 1 + total / (usable - 4); hops++) {
    const overflow = pageAt(next);
    if (!overflow) return undefined;
    const take = Math.min(usable - 4, total - have);
    parts.push(overflow.subarray(4, 4 + take));
    have += take;
    next = overflow.readUInt32BE(0);
  }
  return have === total ? Buffer.concat(parts) : undefined;
}

/**
 * The store's message row: (seq, room, id, at, type, name, text, crc), seq being the row id (NULL
 * here); a row whose checksum does not match its values was overwritten, and is not kept.
 */
function messageOfRecord(payload: Buffer): SalvagedMessage | undefined {
  const headerSize = readVarint(payload, 0, payload.length);
  if (!headerSize || headerSize.value > payload.length) return undefined;
  const types: number[] = [];
  for (let at = headerSize.next; at < headerSize.value;) {
    const t = readVarint(payload, at, headerSize.value);
    if (!t) return undefined;
    types.push(t.value);
    at = t.next;
  }
  if (types.length !== 8 || types[0] !== 0) return undefined;
  let at = headerSize.value;
  const values: (string | number)[] = [];
  for (const type of types.slice(1)) {
    const value = readValue(payload, at, type);
    if (!value) return undefined;
    values.push(value.value);
    at = value.next;
  }
  const [room, id, time, kind, name, text, crc] = values;
  if (typeof room !== 'string' || room === '' || typeof id !== 'number' || id < 1 || typeof time !== 'number')
    return undefined;
  if ((kind !== 0 && kind !== 1) || typeof name !== 'string' || typeof text !== 'string') return undefined;
  if (crc !== rowChecksum(room, id, time, kind, name, text)) return undefined;
  return { room, entry: { id, at: time, type: kind === 1 ? 'action' : 'said', name, text } };
}

function readValue(buf: Buffer, at: number, type: number): { value: string | number; next: number } | undefined {
  if (type === 8 || type === 9) return { value: type - 8, next: at };
  if (type >= 1 && type <= 6) {
    const width = [0, 1, 2, 3, 4, 6, 8][type] ?? 0;
    if (at + width > buf.length) return undefined;
    const value = width === 8 ? Number(buf.readBigInt64BE(at)) : buf.readIntBE(at, width);
    return { value, next: at + width };
  }
  if (type >= 13 && type % 2 === 1) {
    const length = (type - 13) / 2;
    if (at + length > buf.length) return undefined;
    return { value: buf.toString('utf8', at, at + length), next: at + length };
  }
  return undefined;
}

/** SQLite's varint: 1 to 9 bytes, big-endian, 7 bits a byte (all 8 in the ninth). */
function readVarint(buf: Buffer, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= Math.min(end, buf.length)) return undefined;
    const byte = buf[at + i] ?? 0;
    if (i === 8) return { value: value * 256 + byte, next: at + 9 };
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** Reads of fixed-size pieces of a file; bytes past its end read as zeros. */
class PageFile {
  private readonly fd: number;
  readonly size: number;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(position: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    if (position < this.size) readSync(this.fd, buf, 0, Math.min(length, this.size - position), position);
    return buf;
  }

  close(): void {
    closeSync(this.fd);
  }
}
