// Vol refresh, pure: sources of target smiles and the plan that makes them an acceptable update.
export * from "./types";
export * from "./csv";
export * from "./chain";
export * from "./smile";
export * from "./ewma";
export * from "./deribit";
export * from "./plan";
