export * from './types.ts';
export * from './rules.ts';
export { decideRoom } from './decide.ts';
export { evolveRoom, foldRoom } from './evolve.ts';
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
