// A market's risk matrix: the engine's 27 scenarios laid out as spot moves (rows, the engine's
// grid for the market's range widened by the oracle confidence) x vol down / unchanged / up, with
// the tails' weights. Moves and weights come from the mirror's MarketPrep; P&L from whichever
// source is shown (the program's report or the mirror).
import { FIRST_TAIL_POINT, MarketPrep, MarketState, N_SPOT, SCENARIOS } from "@portfolio-margin/sdk/risk";

export const VOL_COLUMNS = [
  { key: "down", label: "vol down", vol: 2 },
  { key: "unchanged", label: "unchanged", vol: 0 },
  { key: "up", label: "vol up", vol: 1 },
] as const;

const POINT_LABELS = ["0", "+R/4", "-R/4", "+R/2", "-R/2", "+3R/4", "-3R/4", "+R", "-R", "tail 1", "tail 2", "tail 3", "tail 4"];
const Q48 = 2 ** 48;
const Q32 = 2 ** 32;

export interface MatrixCell {
  /** Index in the engine's 27 scenarios. */
  scenario: number;
  /** Quote units (tails weighted). */
  pnl: bigint;
  worst: boolean;
}

export interface MatrixRow {
  label: string;
  tail: boolean;
  /** The price move in percent of spot. */
  movePct: number;
  /** Tail weight (1 on the grid). */
  weight: number;
  cells: (MatrixCell | null)[];
}

export interface Matrix {
  rows: MatrixRow[];
  worstIndex: number;
  /** +R in percent. */
  rangePct: number;
  /** Largest |P&L| of the matrix (for the colour scale). */
  maxAbs: bigint;
}

export function buildMatrix(state: MarketState, pnl: bigint[], worstIndex: number): Matrix {
  const prep = new MarketPrep(state);
  const rows: (MatrixRow & { shift: bigint; point: number })[] = [];
  let maxAbs = 0n;
  for (let point = 0; point < N_SPOT; point++) {
    const tail = point >= FIRST_TAIL_POINT;
    const weightQ32 = tail ? prep.tailWeight[point - FIRST_TAIL_POINT] : 1n << 32n;
    if (tail && weightQ32 === 0n) continue; // a disabled tail
    const cells = VOL_COLUMNS.map(({ vol }) => {
      const scenario = SCENARIOS.findIndex(([j, v]) => j === point && v === vol);
      if (scenario < 0) return null;
      const x = pnl[scenario];
      const a = x < 0n ? -x : x;
      if (a > maxAbs) maxAbs = a;
      return { scenario, pnl: x, worst: scenario === worstIndex };
    });
    const shift = prep.shiftQ48[point];
    rows.push({ label: POINT_LABELS[point], tail, movePct: (Number(shift) * 100) / Q48, weight: Number(weightQ32) / Q32, cells, shift, point });
  }
  rows.sort((a, b) => (a.shift < b.shift ? -1 : a.shift > b.shift ? 1 : a.point - b.point));
  return { rows, worstIndex, rangePct: (Number(prep.shiftQ48[7]) * 100) / Q48, maxAbs };
}
