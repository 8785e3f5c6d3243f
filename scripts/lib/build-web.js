// Builds the SDK package (app/dist) and the web dApp (app/web/dist) with npm, by workspace name
// (`-w app` would also select app/web, which lives inside app/).
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

function npmRun(script, workspace, { quiet = false } = {}) {
  const r = spawnSync(NPM, ["run", script, "-w", workspace, ...(quiet ? ["--silent"] : [])], {
    cwd: ROOT,
    stdio: ["ignore", quiet ? "pipe" : "inherit", "inherit"],
    encoding: "utf8",
  });
  if (r.status !== 0) {
    if (quiet && r.stdout) process.stderr.write(r.stdout);
    throw new Error(`npm run ${script} -w ${workspace} failed (exit ${r.status})`);
  }
  return r.stdout ?? "";
}

/** `npm run build` of the SDK, then of the web app; returns the vite build's output. */
function buildWeb({ quiet = false } = {}) {
  npmRun("build", "@portfolio-margin/sdk", { quiet });
  return npmRun("build", "@portfolio-margin/web", { quiet });
}

module.exports = { buildWeb, WEB_DIST: path.join(ROOT, "app", "web", "dist") };
