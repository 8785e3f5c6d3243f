// /metrics (Prometheus text format) and /healthz (200 when every enabled loop ran recently and
// the last relist succeeded; 503 with the reasons otherwise).
import http from "http";
import { AddressInfo } from "net";
import type { CrankMetrics } from "./metrics";

export interface HealthReport {
  ok: boolean;
  problems: string[];
  [k: string]: unknown;
}

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export function startStatusServer(host: string, port: number, metrics: CrankMetrics, health: () => HealthReport): Promise<StatusServer> {
  const server = http.createServer(async (req, res) => {
    try {
      const url = (req.url ?? "/").split("?")[0];
      if (url === "/metrics") {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      } else if (url === "/healthz") {
        const h = health();
        res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify(h));
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found: /metrics, /healthz\n");
      }
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      resolve({ port: addr.port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
