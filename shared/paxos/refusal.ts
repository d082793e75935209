import type { PaxosError } from './events.ts';

/** A refused command, thrown inside decide and turned into its `{ ok: false }` answer there. */
export class Refused extends Error {
  constructor(readonly error: PaxosError) {
    super(error.message);
  }
}

export function refuse(error: PaxosError): never {
  throw new Refused(error);
}
