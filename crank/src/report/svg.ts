// Small inline-SVG charts over time (line and bar), written out by hand so the report needs no
// script or library. Every text goes through escapeHtml; hover text is SVG <title>.
import { escapeHtml as esc, fmtAxisTime, fmtCompact } from "./format";

export interface LinePoint {
  t: number;
  y: number;
  /** Hover text of this point. */
  label?: string;
}

export interface LineSeries {
  name: string;
  color: string;
  points: LinePoint[];
  dashed?: boolean;
}

export interface ChartMarker {
  t: number;
  label: string;
}

export interface ChartFrame {
  title: string;
  width?: number;
  height?: number;
  /** Axis label format of y values. */
  yFormat?: (y: number) => string;
  /** Unit shown after the title ("USDC"). */
  unit?: string;
}

const PAD = { left: 64, right: 16, top: 36, bottom: 36 };
/** Hover points per series at most (a long window still renders quickly). */
const MAX_HOVER_POINTS = 400;
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 x 10^n. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) * 0.05 || 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const TIME_STEPS = [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 365 * 86400];

/** Time ticks aligned to whole UTC hours or days, about `target` of them. */
export function timeTicks(t0: number, t1: number, target = 6): number[] {
  const span = Math.max(t1 - t0, 1);
  const step = TIME_STEPS.find((s) => span / s <= target) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

/** Maps time and value to pixels inside the plot area. */
class Scale {
  readonly x0 = PAD.left;
  readonly x1: number;
  readonly y0: number;
  readonly y1 = PAD.top;
  constructor(readonly width: number, readonly height: number, readonly t0: number, readonly t1: number, readonly lo: number, readonly hi: number) {
    this.x1 = width - PAD.right;
    this.y0 = height - PAD.bottom;
  }
  x(t: number): number {
    return this.t1 > this.t0 ? this.x0 + ((t - this.t0) / (this.t1 - this.t0)) * (this.x1 - this.x0) : (this.x0 + this.x1) / 2;
  }
  y(v: number): number {
    return this.y0 - ((v - this.lo) / (this.hi - this.lo)) * (this.y0 - this.y1);
  }
}

/** The frame: title, grid, axes with labels, legend. */
function frame(f: ChartFrame, s: Scale, yTicks: number[], legend: { name: string; color: string; dashed?: boolean }[]): string {
  const yFmt = f.yFormat ?? fmtCompact;
  const out: string[] = [];
  out.push(`<text class="title" x="${PAD.left}" y="16">${esc(f.title)}${f.unit ? ` <tspan class="unit">(${esc(f.unit)})</tspan>` : ""}</text>`);
  for (const v of yTicks) {
    const y = r1(s.y(v));
    out.push(`<line class="grid" x1="${s.x0}" y1="${y}" x2="${s.x1}" y2="${y}"/>`);
    out.push(`<text class="tick" x="${s.x0 - 6}" y="${y + 4}" text-anchor="end">${esc(yFmt(v))}</text>`);
  }
  const tt = timeTicks(s.t0, s.t1);
  const withHour = tt.length > 1 ? tt[1] - tt[0] < 86400 : true;
  for (const t of tt) {
    const x = r1(s.x(t));
    out.push(`<line class="axis" x1="${x}" y1="${s.y0}" x2="${x}" y2="${s.y0 + 4}"/>`);
    out.push(`<text class="tick" x="${x}" y="${s.y0 + 18}" text-anchor="middle">${esc(fmtAxisTime(t, withHour))}</text>`);
  }
  out.push(`<line class="axis" x1="${s.x0}" y1="${s.y0}" x2="${s.x1}" y2="${s.y0}"/>`);
  let lx = s.x1;
  for (const l of [...legend].reverse()) {
    const w = 26 + l.name.length * 7;
    lx -= w;
    out.push(
      `<line x1="${lx}" y1="12" x2="${lx + 16}" y2="12" stroke="${esc(l.color)}" stroke-width="2.5"${l.dashed ? ' stroke-dasharray="5 3"' : ""}/>` +
        `<text class="legend" x="${lx + 20}" y="16">${esc(l.name)}</text>`,
    );
  }
  return out.join("");
}

function open(f: ChartFrame, w: number, h: number): string {
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(f.title)}">`;
}

function empty(f: ChartFrame, w: number, h: number): string {
  return `${open(f, w, h)}<text class="title" x="${PAD.left}" y="16">${esc(f.title)}</text><text class="tick" x="${w / 2}" y="${h / 2}" text-anchor="middle">no data</text></svg>`;
}

/** SVG path of a series; a non-finite value breaks the line. */
export function linePath(points: { x: number; y: number }[]): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${r1(p.x)},${r1(p.y)}`;
    pen = true;
  }
  return d;
}

/** A line chart over time; optional markers (small triangles on the time axis, with hover text). */
export function lineChart(f: ChartFrame & { series: LineSeries[]; markers?: ChartMarker[]; includeZero?: boolean }): string {
  const w = f.width ?? 860;
  const h = f.height ?? 280;
  const pts = f.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.y));
  if (pts.length === 0) return empty(f, w, h);
  const ts = pts.map((p) => p.t);
  const ys = pts.map((p) => p.y);
  // Amounts compared with each other (equity against margin) read right only from zero.
  if (f.includeZero) ys.push(0);
  const ticks = niceTicks(Math.min(...ys), Math.max(...ys));
  const s = new Scale(w, h, Math.min(...ts), Math.max(...ts), ticks[0], ticks[ticks.length - 1]);
  const out = [open(f, w, h), frame(f, s, ticks, f.series)];
  for (const se of f.series) {
    const d = linePath(se.points.map((p) => ({ x: s.x(p.t), y: s.y(p.y) })));
    out.push(`<path d="${d}" fill="none" stroke="${esc(se.color)}" stroke-width="1.8"${se.dashed ? ' stroke-dasharray="5 3"' : ""}/>`);
    const every = Math.max(1, Math.ceil(se.points.length / MAX_HOVER_POINTS));
    const hover = se.points
      .filter((p, i) => i % every === 0 && p.label !== undefined && Number.isFinite(p.y))
      .map((p) => `<circle class="hover" cx="${r1(s.x(p.t))}" cy="${r1(s.y(p.y))}" r="4"><title>${esc(p.label!)}</title></circle>`);
    out.push(`<g>${hover.join("")}</g>`);
  }
  for (const m of f.markers ?? []) {
    if (!Number.isFinite(m.t)) continue;
    const x = r1(s.x(m.t));
    out.push(`<path class="marker" d="M${x},${s.y0 - 9}L${r1(x - 4)},${s.y0 - 1}L${r1(x + 4)},${s.y0 - 1}Z"><title>${esc(m.label)}</title></path>`);
  }
  out.push("</svg>");
  return out.join("");
}

/** Bars over time (one per point, as wide as the spacing of the points). */
export function barChart(f: ChartFrame & { bars: LinePoint[]; color: string }): string {
  const w = f.width ?? 860;
  const h = f.height ?? 180;
  const bars = f.bars.filter((b) => Number.isFinite(b.t) && Number.isFinite(b.y));
  if (bars.length === 0) return empty(f, w, h);
  const ts = bars.map((b) => b.t);
  const ticks = niceTicks(0, Math.max(1, ...bars.map((b) => b.y)));
  const s = new Scale(w, h, Math.min(...ts), Math.max(...ts), ticks[0], ticks[ticks.length - 1]);
  const bw = Math.max(1, ((s.x1 - s.x0) / Math.max(bars.length, 1)) * 0.8);
  const out = [open(f, w, h), frame(f, s, ticks, [])];
  for (const b of bars) {
    if (b.y <= 0) continue;
    const top = s.y(b.y);
    out.push(
      `<rect x="${r1(s.x(b.t) - bw / 2)}" y="${r1(top)}" width="${r1(bw)}" height="${r1(s.y0 - top)}" fill="${esc(f.color)}">` +
        `${b.label ? `<title>${esc(b.label)}</title>` : ""}</rect>`,
    );
  }
  out.push("</svg>");
  return out.join("");
}
