// The dApp's build: React, and the Node globals the SDK and web3.js expect (Buffer, process)
// from vite-plugin-node-polyfills. The SDK is the workspace package (@portfolio-margin/sdk ->
// app/dist, CommonJS): pre-bundled in dev and run through the CommonJS plugin in the build.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { nodePolyfills } from "vite-plugin-node-polyfills";

export default defineConfig({
  base: "./",
  plugins: [react(), nodePolyfills({ include: ["buffer", "process"], globals: { Buffer: true, process: true, global: true } })],
  optimizeDeps: { include: ["@portfolio-margin/sdk", "@portfolio-margin/sdk/risk"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 2000,
    commonjsOptions: { include: [/node_modules/, /app\/dist\//], transformMixedEsModules: true },
  },
  preview: { host: "127.0.0.1" },
  server: { host: "127.0.0.1" },
});
