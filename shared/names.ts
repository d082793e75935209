// Only numbers here: the bundler inlines them, so the player view that reads one of them does
// not carry this module (a Set here would put the module in the player view's entry, since
// lazy chunks import it too). The reserved node names are in shared/scenario.ts.

export const NODE_NAME_MAX = 24;
export const VALUE_MAX = 40;
/** The longest room title (`host:rename`). */
export const ROOM_TITLE_MAX = 60;
