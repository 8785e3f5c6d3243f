// Installs the npm workspaces on a fresh clone, so `npm run demo` / `npm test` work as the
// README's first command (no separate `npm install` step). Needs nothing but node and npm.
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..", "..");

function ensureDeps() {
  if (fs.existsSync(path.join(ROOT, "node_modules", ".package-lock.json"))) return;
  console.error("installing npm dependencies (first run) ...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("npm install failed");
    process.exit(r.status || 1);
  }
}

module.exports = { ensureDeps };
