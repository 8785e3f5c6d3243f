// Operator service (vol refresh, liquidations, settlement, funding): later issues.
console.log("crank: not implemented yet (see issues)");
process.exit(0);
