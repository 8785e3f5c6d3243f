// Structured JSON logs (pino): one line per event, machine-parsable, with the loop and account
// as fields rather than in the message.
import pino, { Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: "pm-crank" }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
