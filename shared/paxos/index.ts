export * from './types.ts';
export * from './events.ts';
export { acceptorGrants, acceptorReason, acceptorRuleWords } from './acceptor.ts';
export { hasPromiseQuorum, promiserAccMax, valueToCarry, isStale } from './proposer.ts';
export { checkInvariants, chosenValue, list } from './observer.ts';
export { evolve, foldPaxos, initialPaxosState } from './evolve.ts';
export { checkpoints, extendCheckpoints, stateAt } from './replay.ts';
export type { Checkpoints } from './replay.ts';
export { decide, MAX_PROPOSE_ATTEMPTS, SEED_LINES } from './decide.ts';
export {
  FATES,
  currentStep,
  delayOf,
  dueStep,
  fate,
  filterMatches,
  isCrashed,
  lossOf,
  networkPolicy,
  nextToStep,
  steppable,
  inboxRequests,
  waitingInInbox,
  pendingInInboxesFrom,
} from './network.ts';
export type { Fate, NetworkPolicy, NetworkRule } from './network.ts';
export { py, renderEvent, renderTranscript, replyLines } from './transcript.ts';
export type { RenderOptions } from './transcript.ts';
