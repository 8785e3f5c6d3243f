// Little-endian field reads at fixed offsets; any read past the end is OracleInvalidData, like
// the program's oracle/bytes.rs. Works on any Uint8Array (Buffer included), in browsers too.
import { OracleError } from "./errors";

function view(data: Uint8Array, at: number, len: number): DataView {
  if (!Number.isInteger(at) || at < 0 || at + len > data.length) {
    throw new OracleError("OracleInvalidData", `read of ${len} bytes at ${at} past the end (${data.length})`);
  }
  return new DataView(data.buffer, data.byteOffset + at, len);
}

export const u8At = (d: Uint8Array, at: number): number => view(d, at, 1).getUint8(0);
export const u32At = (d: Uint8Array, at: number): number => view(d, at, 4).getUint32(0, true);
export const i32At = (d: Uint8Array, at: number): number => view(d, at, 4).getInt32(0, true);
export const u64At = (d: Uint8Array, at: number): bigint => view(d, at, 8).getBigUint64(0, true);
export const i64At = (d: Uint8Array, at: number): bigint => view(d, at, 8).getBigInt64(0, true);
export function bytesAt(d: Uint8Array, at: number, len: number): Uint8Array {
  view(d, at, len);
  return d.slice(at, at + len);
}
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
