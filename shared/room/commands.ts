import type { PayloadIn, PayloadOut, Shape } from '../protocol/schemas.ts';

/*
 * The command catalogue: every command of the game, declared once. An entry
 * holds the command's wire name, its payload (each field named by its type in
 * shared/protocol/schemas.ts FIELDS), who may send it, how it reaches the room
 * and what its acknowledgement carries. Derived from it: the socket.io event
 * maps and ack types (shared/protocol/index.ts), the edge's parsing and
 * dispatch (server/sockets.ts), the room commands that `decideRoom` handles
 * (`RoomCommand` below), the client's typed `command(name, payload)` calls and
 * the bots' moves (shared/bots.ts returns room commands).
 *
 * A room command is its entry's name with the parsed payload beside it:
 * `{ type: 'node:promiseRequest', to: 'Ben' }`. No other name for it exists.
 *
 * Adding a command: an entry here, its rule in decideRoom (and its event in
 * evolveRoom), its UI. See docs/ARCHITECTURE.md.
 */

/**
 * Who may send a command. `host`: the room's host token; `player`: a seated
 * player, as their own node (the engine checks the seat); `system`: the
 * server itself (joins, presence, time); `anyone`: any socket.
 */
export type Who = 'host' | 'player' | 'system' | 'anyone';

/** What an acknowledgement carries (the types are in shared/protocol/index.ts). */
export type AckKind =
  | 'done'
  | 'created'
  | 'joined'
  | 'resumed'
  | 'synced'
  | 'forked'
  | 'screenKey'
  // A class's (shared/class/): server/classes.ts answers them.
  | 'classCreated'
  | 'classJoined'
  | 'classResumed'
  | 'classDone'
  | 'classFanned'
  | 'classSeat'
  | 'classTable'
  | 'classCohost';

export interface CommandSpec {
  readonly who: Who;
  readonly payload: Shape;
  readonly ack: AckKind;
  /** False for the server's own commands: no client can send them. */
  readonly wire: boolean;
  /**
   * Handled by a handler of the socket edge (server/sockets.ts), which needs
   * the socket itself: it binds the socket to a room (create, join, resume,
   * watch) or reads (sync). Every other wire command takes the one generic path.
   */
  readonly edge?: true;
  /** False when no room decides it: the edge's own session commands. */
  readonly room?: false;
  /** The server mints a fresh player id for it (`newId`): ids, like dice, stay out of shared/. */
  readonly mints?: true;
  /**
   * A class's command (`class:*`, shared/class/): no room decides it; the class host
   * (server/classes.ts) does, for the socket's class identity. Always `room: false`.
   */
  readonly scope?: 'class';
  /** What it does, in a line (docs/PROTOCOL.md explains each with examples). */
  readonly doc: string;
}

export const COMMANDS = {
  'room:create': {
    who: 'anyone',
    wire: true,
    edge: true,
    room: false,
    payload: { settings: 'newSettings' },
    ack: 'created',
    doc: 'Creates a room; the socket becomes its host.',
  },
  'room:join': {
    // A socket asks; the server seats the newcomer (the token is the edge's business).
    who: 'system',
    wire: true,
    edge: true,
    mints: true,
    payload: { code: 'code', name: 'name', spectator: 'flag', browser: 'optionalBrowser' },
    ack: 'joined',
    doc: 'Takes the first free seat (or a spectator place) under a new name.',
  },
  'room:resume': {
    who: 'anyone',
    wire: true,
    edge: true,
    room: false,
    payload: { code: 'code', token: 'token', browser: 'optionalBrowser' },
    ack: 'resumed',
    doc: 'Presents a token again: the same host or seat, even after a restart.',
  },
  'room:watch': {
    who: 'anyone',
    wire: true,
    edge: true,
    room: false,
    payload: { code: 'code', key: 'optionalScreenKey' },
    ack: 'resumed',
    doc: "Watches a room without a seat; with the host's screen key, through the fog (the projector).",
  },
  'room:sync': {
    who: 'anyone',
    wire: true,
    edge: true,
    room: false,
    payload: { since: 'seq' },
    ack: 'synced',
    doc: 'The events after `since`, or a snapshot when they are too many.',
  },
  'host:screenKey': {
    // The edge's: the key is a secret of the server (stored hashed), never a room event.
    who: 'host',
    wire: true,
    edge: true,
    room: false,
    payload: {},
    ack: 'screenKey',
    doc: 'Makes a new screen key for the projector; the old one stops working.',
  },
  'room:leave': {
    who: 'player',
    wire: true,
    mints: true,
    payload: { bot: 'optionalBotKind' },
    ack: 'done',
    doc: 'Gives the seat up for good; with `bot`, a bot of that kind takes it.',
  },
  'node:newProposal': {
    who: 'player',
    wire: true,
    payload: { value: 'movie' },
    ack: 'done',
    doc: 'Starts a new proposal (a new proposal id) for a movie.',
  },
  'node:promiseRequest': {
    who: 'player',
    wire: true,
    payload: { to: 'node' },
    ack: 'done',
    doc: 'Sends a promise request of the current proposal.',
  },
  'node:acceptRequest': {
    who: 'player',
    wire: true,
    payload: { to: 'node' },
    ack: 'done',
    doc: 'Sends an accept request (needs a promise quorum).',
  },
  'node:propose': {
    who: 'player',
    wire: true,
    payload: { value: 'movie', to: 'nodes' },
    ack: 'done',
    doc: "Runs both phases with these nodes, retrying, as the notebook's propose does.",
  },
  'node:answer': {
    who: 'player',
    wire: true,
    payload: { messageId: 'messageId', answer: 'answer' },
    ack: 'done',
    doc: 'Be the acceptor: grants or rejects a request waiting in the inbox.',
  },
  'node:endTurn': {
    who: 'player',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Turn-based rounds: ends my turn early.',
  },
  'host:settings': {
    who: 'host',
    wire: true,
    payload: { settings: 'settings' },
    ack: 'done',
    doc: 'Changes the settings of the next round.',
  },
  'host:rename': {
    who: 'host',
    wire: true,
    payload: { title: 'title' },
    ack: 'done',
    doc: 'Gives the room a title, shown on every screen.',
  },
  'host:startRound': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Starts a round (ending the one being played).',
  },
  'host:endRound': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Ends the round being played.',
  },
  'host:kick': {
    who: 'host',
    wire: true,
    payload: { playerId: 'playerId' },
    ack: 'done',
    doc: 'Removes a player; their token stops working.',
  },
  'host:lock': {
    who: 'host',
    wire: true,
    payload: { locked: 'toggle' },
    ack: 'done',
    doc: 'Locks the room (nobody new may join) or opens it again.',
  },
  'host:allowBack': {
    who: 'host',
    wire: true,
    payload: { playerId: 'playerId' },
    ack: 'done',
    doc: "Lets a removed player's browser join the room again.",
  },
  'host:say': {
    who: 'host',
    wire: true,
    payload: { text: 'note' },
    ack: 'done',
    doc: "Narration, printed in the transcript like the notebook's print.",
  },
  'host:close': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Closes the room for good.',
  },
  'host:network': {
    who: 'host',
    wire: true,
    payload: { action: 'networkAction', messageId: 'messageId', answer: 'optionalAnswer' },
    ack: 'done',
    doc: 'Delivers, drops or duplicates a message in flight.',
  },
  /* The host's faults (shared/paxos/network.ts; docs/PROTOCOL.md, "Faults"). */
  'host:hold': {
    who: 'host',
    wire: true,
    payload: {
      from: 'optionalNode',
      to: 'optionalNode',
      node: 'optionalNode',
      kind: 'optionalMessageKind',
      messageId: 'optionalMessageId',
    },
    ack: 'done',
    doc: 'From now on holds the matching messages in flight (no field: every message).',
  },
  'host:release': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: "Ends the host's holds and delays; delivers nothing by itself.",
  },
  'host:delay': {
    who: 'host',
    wire: true,
    payload: {
      from: 'optionalNode',
      to: 'optionalNode',
      node: 'optionalNode',
      kind: 'optionalMessageKind',
      steps: 'steps',
    },
    ack: 'done',
    doc: 'From now on the matching messages wait this many steps (0: no longer).',
  },
  'host:step': {
    who: 'host',
    wire: true,
    payload: { messageId: 'optionalMessageId' },
    ack: 'done',
    doc: 'Delivers the oldest due message in flight (or this one) and advances the step count.',
  },
  'host:partition': {
    who: 'host',
    wire: true,
    payload: { groups: 'groups' },
    ack: 'done',
    doc: 'Splits the nodes into groups: a message between two groups is lost.',
  },
  'host:heal': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Ends the partition.',
  },
  'host:crash': {
    who: 'host',
    wire: true,
    payload: { node: 'node' },
    ack: 'done',
    doc: 'The node answers nothing and sends nothing; messages to it are lost.',
  },
  'host:recover': {
    who: 'host',
    wire: true,
    payload: { node: 'node', memory: 'memory' },
    ack: 'done',
    doc: 'The node is back, with its disk (memory "kept") or with amnesia ("lost").',
  },
  /*
   * Auto-play and forks (issue 9). Time stays out of shared/: the server's auto-play driver
   * (server/autoplay.ts) sends `system:step` at the speed the room's state records.
   */
  'host:autoplay': {
    who: 'host',
    wire: true,
    payload: { speed: 'speed' },
    ack: 'done',
    doc: 'Steps the network by itself, this many steps a second (0 stops).',
  },
  'host:fork': {
    // The edge's: it makes a new room (the address's room budget) and answers with its host token.
    who: 'host',
    wire: true,
    edge: true,
    room: false,
    payload: { at: 'seq' },
    ack: 'forked',
    doc: 'A what-if room: a new room with this log up to event `at`; the caller is its host.',
  },
  /* Guided demos and predictions (issue 10; shared/room/demo.ts). */
  'host:loadScenario': {
    who: 'host',
    wire: true,
    payload: { scenario: 'scenario' },
    ack: 'done',
    doc: 'Loads a scenario file (docs/SCENARIOS.md) as a guided demo: a new round plays it step by step.',
  },
  'host:demoNext': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: "The demo's next step (or: forward while the screens show an earlier one; the reveal of an open question).",
  },
  'host:demoBack': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Every screen shows the room as it was one demo step earlier (nothing is undone).',
  },
  'host:demoLive': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: '"From here on, you play": the rest of the demo is dropped, the round goes on live.',
  },
  'player:predict': {
    // Any player of the room, seated or watching (the engine checks only that they are in it).
    who: 'player',
    wire: true,
    payload: { choice: 'choice' },
    ack: 'done',
    doc: "Answers the demo's open question (again: changes the answer) until it is revealed.",
  },
  /* A class (shared/class/): many tables, one instructor. `who` says whose it is in the class. */
  'class:create': {
    who: 'anyone',
    wire: true,
    room: false,
    scope: 'class',
    payload: { title: 'classTitle', settings: 'newSettings' },
    ack: 'classCreated',
    doc: "Creates a class (the socket becomes its instructor); `settings` are every table's.",
  },
  'class:join': {
    who: 'anyone',
    wire: true,
    room: false,
    scope: 'class',
    payload: { code: 'classCode', name: 'name', browser: 'optionalBrowser' },
    ack: 'classJoined',
    doc: 'Joins a class as a student under a nickname; seated at a table at the next round.',
  },
  'class:resume': {
    who: 'anyone',
    wire: true,
    room: false,
    scope: 'class',
    payload: { code: 'classCode', token: 'token' },
    ack: 'classResumed',
    doc: "Presents a class token again: the instructor's (or a co-host's), or a student's.",
  },
  'class:seat': {
    who: 'player',
    wire: true,
    room: false,
    scope: 'class',
    payload: {},
    ack: 'classSeat',
    doc: "A student's token for the seat at their table (a new one each time): open it with room:resume.",
  },
  'class:openTable': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { table: 'code' },
    ack: 'classTable',
    doc: 'A host token for one table (a new one each time): open it with room:resume, as its host.',
  },
  'class:startRound': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: {},
    ack: 'classFanned',
    doc: 'Seats the students who wait (new tables, bots in empty seats), then starts a round at every table.',
  },
  'class:endRound': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: {},
    ack: 'classFanned',
    doc: 'Ends the round being played at every table.',
  },
  'class:pause': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { paused: 'toggle' },
    ack: 'classFanned',
    doc: 'Pauses (or resumes) every table.',
  },
  'class:settings': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { settings: 'settings' },
    ack: 'classFanned',
    doc: "Every table's settings (table size, quorum, rules), from the next round on.",
  },
  'class:loadScenario': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { scenario: 'scenario' },
    ack: 'classFanned',
    doc: 'Loads one guided demo at every table.',
  },
  'class:ask': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { text: 'questionText', choices: 'choices', answer: 'optionalChoice' },
    ack: 'classDone',
    doc: 'Asks every student a question (it replaces an open one); `answer` is the right choice.',
  },
  'class:reveal': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: {},
    ack: 'classDone',
    doc: "Reveals the open question's distribution and answer; right answers score.",
  },
  'class:answer': {
    who: 'player',
    wire: true,
    room: false,
    scope: 'class',
    payload: { choice: 'choice' },
    ack: 'classDone',
    doc: "A student's answer to the open question (again: changes it) until the reveal.",
  },
  'class:lock': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { locked: 'toggle' },
    ack: 'classDone',
    doc: 'Locks the class (nobody new may join) or opens it again.',
  },
  'class:kick': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { studentId: 'playerId' },
    ack: 'classDone',
    doc: 'Removes a student for good: out of their table, and the nickname cannot join again.',
  },
  'class:rename': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { studentId: 'playerId', name: 'name' },
    ack: 'classDone',
    doc: 'Renames a student (an offensive nickname), in the class and at their table.',
  },
  'class:extraTime': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { studentId: 'playerId', seconds: 'extraSeconds' },
    ack: 'classDone',
    doc: 'Gives a student extra seconds on each of their turns in turn-based rounds (0: none).',
  },
  'class:hideCode': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { hidden: 'toggle' },
    ack: 'classDone',
    doc: 'Hides (or shows) the code and join link on the projector.',
  },
  'class:project': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: { table: 'optionalTable' },
    ack: 'classDone',
    doc: "Puts one table on the projector, or (left out) the class's own screen.",
  },
  'class:cohost': {
    who: 'host',
    wire: true,
    room: false,
    scope: 'class',
    payload: {},
    ack: 'classCohost',
    doc: 'A new co-host token: a second instructor opens the dashboard with it.',
  },
  'host:extraTime': {
    who: 'host',
    wire: true,
    payload: { playerId: 'playerId', seconds: 'extraSeconds' },
    ack: 'done',
    doc: 'Gives a player extra seconds on each of their turns in turn-based rounds (0: none).',
  },
  'host:renamePlayer': {
    who: 'host',
    wire: true,
    payload: { playerId: 'playerId', name: 'name' },
    ack: 'done',
    doc: 'Renames a player (an offensive name).',
  },
  'system:step': {
    who: 'system',
    wire: false,
    payload: {},
    ack: 'done',
    doc: "Auto-play's step: as host:step, while the round's auto-play is on.",
  },
  'system:fork': {
    who: 'system',
    wire: false,
    payload: { parent: 'code', at: 'seq' },
    ack: 'done',
    doc: "A fork's first own command: it records its parent, and the people of the prefix leave.",
  },
  'host:pause': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Pauses the game: nobody acts, turn timers stand still.',
  },
  'host:resume': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Resumes a paused game.',
  },
  'host:skipTurn': {
    who: 'host',
    wire: true,
    payload: {},
    ack: 'done',
    doc: 'Passes the turn being played to the next seat.',
  },
  'host:addBot': {
    who: 'host',
    wire: true,
    mints: true,
    payload: { kind: 'botKind', seat: 'seatOrFirstFree' },
    ack: 'done',
    doc: 'Seats a bot of this kind (at this seat, or the first free one).',
  },
  'system:presence': {
    who: 'system',
    wire: false,
    // `restart`: the server went away (it stopped or restarted), not the player: a turn is kept.
    payload: { playerId: 'playerId', connected: 'connected', restart: 'optionalFlag' },
    ack: 'done',
    doc: "A player's first socket came, or their last one went.",
  },
  'system:tick': {
    who: 'system',
    wire: false,
    payload: { now: 'time' },
    ack: 'done',
    doc: "Time enters the engine as a command: the server's turn timer says what time it is.",
  },
} as const satisfies Record<string, CommandSpec>;

type Catalogue = typeof COMMANDS;
export type CommandName = keyof Catalogue;

/** The names a client may send (socket.io event names). */
export type WireName = {
  [N in CommandName]: Catalogue[N]['wire'] extends true ? N : never;
}[CommandName];

/** Commands a room decides (everything but the edge's own session commands). */
export type RoomCommandName = {
  [N in CommandName]: Catalogue[N] extends { room: false } ? never : N;
}[CommandName];

/** Wire commands the edge handles itself (they need the socket); the others take the generic path. */
export type EdgeName = {
  [N in CommandName]: Catalogue[N] extends { edge: true } ? N : never;
}[CommandName];

/** A class's commands (`class:*`): the class host answers them (server/classes.ts). */
export type ClassCommandName = {
  [N in CommandName]: Catalogue[N] extends { scope: 'class' } ? N : never;
}[CommandName];

/** Wire commands that take the generic path: parse, pick the caller's role, the room decides. */
export type GenericName = Exclude<WireName, EdgeName | ClassCommandName>;

/** A command's payload as a client sends it (fields with defaults may be left out). */
export type PayloadInput<N extends CommandName> = PayloadIn<Catalogue[N]['payload']>;
/** A command's payload as the edge parsed it. */
export type Payload<N extends CommandName> = PayloadOut<Catalogue[N]['payload']>;
export type AckKindOf<N extends CommandName> = Catalogue[N]['ack'];

type Minted<N extends CommandName> = Catalogue[N] extends { mints: true }
  ? { newId: string }
  : unknown;

/** A command as a room receives it: the entry's name, the parsed payload, the ids the server minted. */
export type RoomCommand = {
  [N in RoomCommandName]: { type: N } & Payload<N> & Minted<N>;
}[RoomCommandName];

export type RoomCommandOf<N extends RoomCommandName> = Extract<RoomCommand, { type: N }>;

/** True for a name a client may send. */
export function isWireName(name: unknown): name is WireName {
  return (
    typeof name === 'string' && Object.hasOwn(COMMANDS, name) && COMMANDS[name as CommandName].wire
  );
}

/** True for a wire command the edge handles itself. */
export function isEdgeName(name: WireName): name is EdgeName {
  const spec: CommandSpec = COMMANDS[name];
  return spec.edge === true;
}

/** True for a class's command (`class:*`). */
export function isClassName(name: WireName): name is ClassCommandName {
  const spec: CommandSpec = COMMANDS[name];
  return spec.scope === 'class';
}

/** The names a client may send, in catalogue order. (A function: nothing runs when the module loads.) */
export function wireNames(): WireName[] {
  return (Object.keys(COMMANDS) as CommandName[]).filter((name): name is WireName =>
    isWireName(name),
  );
}

/** The room command for a parsed payload: the payload beside its name, and a minted id if needed. */
export function roomCommand<N extends RoomCommandName>(
  name: N,
  payload: Payload<N>,
  newId: () => string,
): RoomCommandOf<N> {
  const spec: CommandSpec = COMMANDS[name];
  const command = spec.mints
    ? { type: name, ...payload, newId: newId() }
    : { type: name, ...payload };
  return command as unknown as RoomCommandOf<N>;
}
