#!/usr/bin/env node
// Sets each tracked file's mtime to the time of the last commit that touched it.
//
// Cargo decides whether a path crate (every workspace member, and the patched tools/solana-msg
// that most of the solana tree depends on) is fresh by comparing source mtimes with its last
// build. A fresh clone gives every file "now", which would rebuild the whole tree on every CI
// run despite the shared target dir; commit times keep unchanged crates fresh. Only for clean
// clones (CI): with local edits, an uncommitted change would look old.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
const log = execFileSync("git", ["log", "--format=%x00%ct", "--name-only"], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 256 * 1024 * 1024,
});
const seen = new Set();
let time = 0;
let count = 0;
for (const line of log.split("\n")) {
  if (line.startsWith("\0")) {
    time = Number(line.slice(1));
  } else if (line && !seen.has(line)) {
    seen.add(line);
    const file = path.join(root, line);
    if (fs.existsSync(file)) {
      fs.utimesSync(file, time, time);
      count++;
    }
  }
}
console.log(`restore-mtimes: ${count} files set to their last commit time`);
