// Rebuilds the committed price files of data/market/ from the original file set (the files named in
// data/market/SOURCES.md), with the same series definitions the loader uses:
//   npx ts-node -P tsconfig.json crank/src/data/derive.ts --from <dir with the original files> [--to data/market]
// Hourly and daily series keep the close only and are gzip-compressed; crash windows keep hourly
// high/low/close as plain CSV (the open is dropped: the older CryptoDataDownload hourly format
// synthesised it from the previous close).
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { barsToCsv, DAILY, DEFAULT_DATA_DIR, HOURLY, loadSeries, Series, UNDERLYINGS, windows } from "./prices";

function write(dir: string, file: string, text: string): void {
  const body = file.endsWith(".gz") ? zlib.gzipSync(Buffer.from(text), { level: 9 }) : Buffer.from(text);
  fs.writeFileSync(path.join(dir, file), body);
}

/** Writes every committed series read from the originals in `from` into `to`; returns file -> row count. */
export function derive(from: string, to: string): Map<string, number> {
  fs.mkdirSync(to, { recursive: true });
  const rows = new Map<string, number>();
  const emit = (s: Series, withHighLow: boolean, daily: boolean) => {
    const bars = loadSeries(s, { dataDir: from, originals: true });
    write(to, s.file, barsToCsv(bars, withHighLow, daily));
    rows.set(s.file, bars.length);
  };
  for (const u of UNDERLYINGS) {
    emit(HOURLY[u], false, false);
    emit(DAILY[u], false, true);
  }
  for (const w of Object.values(windows)) for (const s of Object.values(w.series)) if (s) emit(s, true, false);
  return rows;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const from = arg("--from");
  if (!from) {
    console.error("usage: derive.ts --from <dir with the original files> [--to <dir>]");
    process.exit(2);
  }
  for (const [file, n] of derive(from, arg("--to") ?? DEFAULT_DATA_DIR)) console.log(`${file}: ${n} rows`);
}
