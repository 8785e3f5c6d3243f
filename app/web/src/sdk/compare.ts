// The program's report against the mirror's result, integer by integer.
import type { MarginReport } from "@portfolio-margin/sdk";
import type { MarginResult } from "@portfolio-margin/sdk/risk";

export interface Mismatch {
  field: string;
  program: string;
  mirror: string;
}

export const ADD_ONS = [
  ["scanMargin", "scanning risk"],
  ["nakedShort", "uncovered short options"],
  ["linear", "linear liquidation cost"],
  ["haircut", "collateral liquidation cost"],
  ["staleVol", "stale vols"],
] as const;

export function compareWithMirror(report: MarginReport, mirror: MarginResult): Mismatch[] {
  const pairs: [string, bigint | number, bigint | number][] = [
    ["equity", report.equity, mirror.equity],
    ["mm", report.mm, mirror.mm],
    ["im", report.im, mirror.im],
    ["scanLoss", report.scanLoss, mirror.scan.loss],
    ["imFloor", report.imFloor, mirror.imFloor],
    ["worstJointIndex", report.worstJointIndex, mirror.scan.worstJointIndex],
    ["markets", report.markets.length, mirror.markets.length],
  ];
  for (const [k] of ADD_ONS) pairs.push([`${k}.mm`, report[k].mm, mirror[k].mm], [`${k}.im`, report[k].im, mirror[k].im]);
  report.markets.forEach((m, i) => {
    const x = mirror.markets[i];
    if (!x) return;
    pairs.push([`market ${m.marketIndex} worst`, m.worstIndex, x.worstIndex]);
    m.pnl.forEach((p, s) => pairs.push([`market ${m.marketIndex} scenario ${s}`, p, x.pnl[s]]));
  });
  return pairs.filter(([, a, b]) => a !== b).map(([field, a, b]) => ({ field, program: String(a), mirror: String(b) }));
}
