// The `pm` CLI against the same cluster: account create / deposit / show / list / withdraw,
// --json output, and a typed error with exit code 1.
import { execFile } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import { collateralBalance } from "../../app/src";
import { World, createUser, createWorld, usdc } from "./helpers";

const PM = path.resolve(__dirname, "..", "..", "app", "bin", "pm.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("e2e: pm CLI", function () {
  this.timeout(120_000);
  let w: World;
  let user: Keypair;
  let keyFile: string;

  const pm = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [PM, "--url", w.connection.rpcEndpoint, "--keypair", keyFile, "--clearinghouse", w.clearinghouse.toBase58(), ...args],
        { env: { ...process.env, PM_CLEARINGHOUSE: "" } },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  const json = async (...args: string[]) => {
    const r = await pm(...args, "--json");
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    return JSON.parse(r.stdout);
  };

  before(async function () {
    w = await createWorld();
    ({ user } = await createUser(w, usdc("100")));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-cli-"));
    keyFile = path.join(dir, "user.json");
    fs.writeFileSync(keyFile, JSON.stringify(Array.from(user.secretKey)));
  });

  it("creates, funds, shows and lists a margin account", async function () {
    const created = await json("account", "create", "--index", "3");
    const address = w.client.marginAccountAddress(w.clearinghouse, user.publicKey, 3);
    expect(created.marginAccount).to.equal(address.toBase58());

    const dep = await json("account", "deposit", "12.5", "--index", "3");
    expect(dep.balanceAfter).to.equal("12500000");
    expect(dep.events.map((e: { name: string }) => e.name)).to.deep.equal(["depositEvent"]);

    const wd = await json("account", "withdraw", "2.25", "--index", "3");
    expect(wd.balanceAfter).to.equal("10250000");

    const shown = await json("account", "show", "--index", "3");
    expect(shown.quoteBalance).to.equal("10250000");
    expect(shown.quoteBalanceUi).to.equal("10.25");
    expect(shown.owner).to.equal(user.publicKey.toBase58());

    const listed = await json("account", "list");
    expect(listed.map((a: { address: string }) => a.address)).to.deep.equal([address.toBase58()]);

    const acc = await w.client.fetchMarginAccount(address);
    expect(collateralBalance(acc, w.quoteMint)).to.equal(usdc("10.25"));

    const text = await pm("account", "show", "--index", "3");
    expect(text.code).to.equal(0);
    expect(text.stdout).to.match(/USDC balance:\s+10\.25 USDC/);
  });

  it("prints the typed error and exits 1", async function () {
    const r = await pm("account", "withdraw", "1000", "--index", "3");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("error 6002 InsufficientCollateral");
    const j = await pm("account", "withdraw", "1000", "--index", "3", "--json");
    expect(j.code).to.equal(1);
    expect(JSON.parse(j.stdout).error).to.include({ code: 6002, name: "InsufficientCollateral", source: "program" });
  });

  it("rejects malformed amounts before sending anything", async function () {
    const r = await pm("account", "deposit", "1.0000001", "--index", "3");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("at most 6 decimal places");
  });
});
