// A small static file server for a built single-page app (app/web/dist): GET/HEAD only, files
// under the root only, index.html for "/" (and for unknown paths without an extension).
//
//   const { serveStatic } = require("./lib/static-server");
//   const server = await serveStatic(dir, { port: 0 });   // { url, port, close() }
const fs = require("fs");
const http = require("http");
const path = require("path");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

function resolveFile(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${rel}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null; // outside the root
  if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  if (!path.extname(file)) return path.join(root, "index.html"); // the app's own routes
  return null;
}

/**
 * @param {string} dir
 * @param {{ port?: number, host?: string }} [opts]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
function serveStatic(dir, opts = {}) {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, "index.html"))) throw new Error(`static-server: no index.html in ${root} (build the app first)`);
  const host = opts.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const file = resolveFile(root, req.url || "/");
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    // hashed assets never change; index.html always revalidates
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
    res.writeHead(200, { "content-type": type, "cache-control": cache, "content-length": fs.statSync(file).size });
    if (req.method === "HEAD") res.end();
    else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      const port = server.address().port;
      resolve({
        url: `http://${host}:${port}/`,
        port,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

module.exports = { serveStatic };
