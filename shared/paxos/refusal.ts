import type { PaxosError } from './events.ts';

/**
 * A refused command, thrown inside decide and turned into its `{ ok: false }` answer there.
 * It never leaves decide, so it carries no stack: capturing one cost the server more than the
 * rest of a refusal (a profile under load, issue 12), and refusals are common in play.
 */
export class Refused extends Error {
  constructor(readonly error: PaxosError) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(error.message);
    Error.stackTraceLimit = limit;
  }
}

export function refuse(error: PaxosError): never {
  throw new Refused(error);
}
