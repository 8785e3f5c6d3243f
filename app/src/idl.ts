// The program's IDL (generated into ./idl by `npm run idl`) and what the SDK derives from it.
import type { Idl } from "@coral-xyz/anchor";
import type { PortfolioMargin } from "./idl/portfolio_margin";
import idlJson from "./idl/portfolio_margin.json";

export type { PortfolioMargin };

/** The IDL as JSON (snake_case names, as emitted), typed as the generated `PortfolioMargin`. */
export const IDL = idlJson as unknown as PortfolioMargin;

/** Program custom errors from the IDL: code -> { name, msg }. */
export const PROGRAM_ERRORS: ReadonlyMap<number, { name: string; msg: string }> = new Map(
  ((idlJson as unknown as Idl).errors ?? []).map((e) => [e.code, { name: e.name, msg: e.msg ?? e.name }]),
);

type IdlTypeLike = string | { array?: [IdlTypeLike, number]; defined?: { name: string } | string; option?: unknown };

/** Borsh size of a fixed-size IDL type (what zero-copy accounts are made of). */
function typeSize(idl: Idl, t: IdlTypeLike): number {
  if (typeof t === "string") {
    const sizes: Record<string, number> = {
      bool: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8,
      u128: 16, i128: 16, u256: 32, i256: 32, pubkey: 32, publicKey: 32,
    };
    const s = sizes[t];
    if (s === undefined) throw new Error(`IDL type ${t} has no fixed size`);
    return s;
  }
  if (t.array) return typeSize(idl, t.array[0]) * t.array[1];
  if (t.defined) {
    const name = typeof t.defined === "string" ? t.defined : t.defined.name;
    const def = (idl.types ?? []).find((d) => d.name === name);
    if (!def || def.type.kind !== "struct" || !Array.isArray(def.type.fields)) {
      throw new Error(`IDL type ${name} is not a fixed-size struct`);
    }
    return (def.type.fields as { type: IdlTypeLike }[]).reduce((n, f) => n + typeSize(idl, f.type), 0);
  }
  throw new Error(`IDL type ${JSON.stringify(t)} has no fixed size`);
}

/**
 * Byte offset of `field` inside the on-chain data of account `account` (discriminator included),
 * computed from the IDL so memcmp filters follow the layout if fields move.
 */
export function accountFieldOffset(account: string, field: string, idl: Idl = idlJson as unknown as Idl): number {
  const acc = (idl.accounts ?? []).find((a) => a.name === account);
  const def = (idl.types ?? []).find((d) => d.name === account);
  if (!acc || !def || def.type.kind !== "struct" || !Array.isArray(def.type.fields)) {
    throw new Error(`account ${account} not found in the IDL`);
  }
  let offset = acc.discriminator.length;
  for (const f of def.type.fields as { name: string; type: IdlTypeLike }[]) {
    if (f.name === field) return offset;
    offset += typeSize(idl, f.type);
  }
  throw new Error(`field ${field} not found in account ${account}`);
}

/** Byte size of a fixed-size IDL struct (e.g. "Position"), as it sits in a zero-copy account. */
export function definedTypeSize(name: string, idl: Idl = idlJson as unknown as Idl): number {
  return typeSize(idl, { defined: { name } });
}

/** Byte offset of `field` inside the fixed-size IDL struct `name`. */
export function structFieldOffset(name: string, field: string, idl: Idl = idlJson as unknown as Idl): number {
  const def = (idl.types ?? []).find((d) => d.name === name);
  if (!def || def.type.kind !== "struct" || !Array.isArray(def.type.fields)) throw new Error(`type ${name} not found in the IDL`);
  let offset = 0;
  for (const f of def.type.fields as { name: string; type: IdlTypeLike }[]) {
    if (f.name === field) return offset;
    offset += typeSize(idl, f.type);
  }
  throw new Error(`field ${field} not found in ${name}`);
}

/** Total data size of a fixed-size account (discriminator included). */
export function accountSize(account: string, idl: Idl = idlJson as unknown as Idl): number {
  const acc = (idl.accounts ?? []).find((a) => a.name === account);
  if (!acc) throw new Error(`account ${account} not found in the IDL`);
  return acc.discriminator.length + typeSize(idl, { defined: { name: account } });
}
