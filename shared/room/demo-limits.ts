/** The most steps a scenario loaded into a room may have (a leaf: the wire schemas name it). */
export const MAX_DEMO_STEPS = 500;
