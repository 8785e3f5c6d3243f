// `pm margin --portfolio FILE`: what-if margin calculator. Runs the same fixed-point risk engine
// as the program on a portfolio file (schema: README "Margin calculator", examples in app/examples).
import { Command } from "commander";
import fs from "fs";
import { evaluatePortfolio, formatReport, marginReport, parsePortfolio, PortfolioError } from "../../risk/portfolio";

export function register(program: Command): void {
  program
    .command("margin")
    .description("equity, IM, MM, worst scenario, itemised add-ons and the risk matrix of a portfolio file")
    .requiredOption("--portfolio <file>", "portfolio JSON file (see app/examples/*.json)")
    .action((opts, cmd: Command) => {
      const json = !!cmd.optsWithGlobals().json;
      try {
        let text: string;
        try {
          text = fs.readFileSync(opts.portfolio, "utf8");
        } catch {
          throw new PortfolioError(`cannot read portfolio file ${opts.portfolio}`);
        }
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          throw new PortfolioError(`${opts.portfolio} is not valid JSON (${(e as Error).message})`);
        }
        const pp = parsePortfolio(doc);
        const rep = marginReport(pp, evaluatePortfolio(pp));
        if (json) console.log(JSON.stringify(rep, null, 2));
        else for (const l of formatReport(rep)) console.log(l);
      } catch (e) {
        if (!(e instanceof PortfolioError)) throw e;
        if (json) console.log(JSON.stringify({ error: e.message }));
        else console.error(`error: ${e.message}`);
        process.exit(1);
      }
    });
}
