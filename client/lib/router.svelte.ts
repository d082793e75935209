/**
 * A few screens, no router library: `/`, `/r/CODE`, `/r/CODE/screen` and a class's `/c/CODE…`,
 * read from `location` and changed with the History API.
 */
export type Route =
  | { name: 'home' }
  | { name: 'room'; code: string }
  | { name: 'screen'; code: string }
  /** A class (6 digits): a student's phone, the dashboard, the projector, the report. */
  | { name: 'class'; code: string; view: ClassView }
  | { name: 'missing'; path: string };

export type ClassView = 'student' | 'host' | 'screen' | 'report';

/** Room codes are shown and typed in capitals; the server checks the alphabet. */
export function normaliseCode(text: string): string {
  return text.trim().toUpperCase();
}

export function parseRoute(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/') return { name: 'home' };
  const taught = /^\/c\/(\d{6})(?:\/(host|screen|report))?$/.exec(clean);
  if (taught)
    return { name: 'class', code: taught[1]!, view: (taught[2] ?? 'student') as ClassView };
  const match = /^\/r\/([A-Za-z0-9]{1,16})(\/screen)?$/.exec(clean);
  if (!match) return { name: 'missing', path: clean };
  const code = normaliseCode(match[1]!);
  return match[2] ? { name: 'screen', code } : { name: 'room', code };
}

export const roomPath = (code: string): string => `/r/${code}`;
export const screenPath = (code: string): string => `/r/${code}/screen`;

export class Router {
  #route = $state.raw<Route>(parseRoute(location.pathname));
  #listeners: ((route: Route) => void)[] = [];

  constructor() {
    addEventListener('popstate', () => this.#set(parseRoute(location.pathname)));
  }

  get route(): Route {
    return this.#route;
  }

  /** Goes to `path`, adding a history entry (or replacing the current one). */
  go(path: string, replace = false): void {
    if (path !== location.pathname) {
      if (replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    this.#set(parseRoute(path));
  }

  onChange(listener: (route: Route) => void): void {
    this.#listeners.push(listener);
  }

  #set(route: Route): void {
    this.#route = route;
    for (const listener of this.#listeners) listener(route);
  }
}
