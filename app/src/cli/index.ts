// `pm` entry point. Every `.ts` (or compiled `.js`) file in ./commands that exports
// `register(program: Command)` is loaded automatically, in file-name order: to add a command
// group, drop a file there. Shared option handling lives in ./context.ts, output in ./output.ts.
import { Command } from "commander";
import fs from "fs";
import path from "path";
import { addGlobalOptions } from "./context";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("pm")
    .description("portfolio-margin clearinghouse CLI")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: true });
  addGlobalOptions(program);
  loadCommands(program, path.join(__dirname, "commands"));
  return program;
}

export function loadCommands(program: Command, dir: string): void {
  const seen = new Set<string>();
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !/\.test\.(ts|js)$/.test(f))
    .sort();
  for (const file of files) {
    const base = file.replace(/\.(ts|js)$/, "");
    if (seen.has(base)) continue; // both foo.ts and a compiled foo.js: load once
    seen.add(base);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.join(dir, file));
    if (typeof mod.register !== "function") {
      throw new Error(`pm: ${path.join(dir, file)} does not export register(program)`);
    }
    mod.register(program);
  }
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
