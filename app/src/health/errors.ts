/** A margin check the program would refuse, named like the program's error (e.g. "InsufficientMargin"). */
export class MarginCheckError extends Error {
  constructor(public readonly code: string, detail?: string) {
    super(`${code}${detail ? `: ${detail}` : ""}`);
    this.name = "MarginCheckError";
  }
}
