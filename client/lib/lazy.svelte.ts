/*
 * A component loaded on demand: the player view stays small, and a part that
 * only some rounds (or a click) need is fetched the first time it is shown.
 * Reading `current` starts the load; it is null until the module arrives.
 * The on-demand components are the folders of client/screens/ other than
 * player/ (client/screens/README.md): they are reached only through this.
 */
export interface Lazy<T> {
  readonly current: T | null;
}

export function lazy<T>(load: () => Promise<{ default: T }>): Lazy<T> {
  let current = $state.raw<T | null>(null);
  let started = false;
  return {
    get current() {
      if (!started) {
        started = true;
        // A load that fails (the network blinked, the page is being left) is tried again
        // at the next read, by the next render that needs it.
        load().then(
          (m) => (current = m.default),
          () => (started = false),
        );
      }
      return current;
    },
  };
}
