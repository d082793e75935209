export * from './types.ts';
export * from './rules.ts';
export { decideRoom } from './decide.ts';
export { evolveRoom, foldRoom, stamp } from './evolve.ts';
export * from './replay.ts';
export { execute } from './execute.ts';
export { forkLog } from './fork.ts';
export type { ForkedLog } from './fork.ts';
export {
  AUTOPLAY_MAX_SPEED,
  AUTOPLAY_MIN_SPEED,
  autoplaySpeed,
  somethingToStep,
} from './autoplay.ts';
export type { Executed } from './execute.ts';
export { COMMANDS, wireNames, isEdgeName, isWireName, roomCommand } from './commands.ts';
export type {
  CommandName,
  CommandSpec,
  EdgeName,
  GenericName,
  Payload,
  PayloadInput,
  WireName,
  Who,
} from './commands.ts';
export { roomEventLines, roomTranscript, transcriptText } from './transcript.ts';
export type { TranscriptLine } from './transcript.ts';
export * from './game.ts';
export { SCORING_RULES, POINTS, scoreRound } from './scoring.ts';
export { rulesOf, nextSeat } from './turns.ts';
export { wrongAnswerReason } from './play.ts';
export {
  fogged,
  seatView,
  lineVisibleTo,
  linesFor,
  readableLines,
  publicLog,
} from './visibility.ts';
