/**
 * Names that would collide with JavaScript's object machinery when used as
 * keys of a plain record. Node names are keys of the engine's state records.
 */
export const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export const NODE_NAME_MAX = 24;
export const VALUE_MAX = 40;
/** The longest room title (`host:rename`). */
export const ROOM_TITLE_MAX = 60;
