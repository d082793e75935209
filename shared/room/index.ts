export * from './types.ts';
export * from './rules.ts';
export { decideRoom } from './decide.ts';
export { evolveRoom, foldRoom } from './evolve.ts';
export { roomEventLines, roomTranscript, transcriptText } from './transcript.ts';
export type { TranscriptLine } from './transcript.ts';
