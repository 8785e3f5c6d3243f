// The SDK as the crank uses it: the monorepo's source (run by ts-node, like the tests and the
// CLI), so crank, tests and demo share one copy of every class (`instanceof` on SDK errors holds).
export * from "../../app/src";
export * as risk from "../../app/src/risk";
