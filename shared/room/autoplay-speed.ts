/*
 * Auto-play's speeds, in steps per second (shared/room/autoplay.ts). A leaf
 * module, so that the wire schemas and the client's controls can name them
 * without importing the room's types.
 */

/** At most 10 steps a second. */
export const AUTOPLAY_MAX_SPEED = 10;
/** At least one step in 10 s (0 is off). */
export const AUTOPLAY_MIN_SPEED = 0.1;
