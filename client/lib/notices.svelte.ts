/*
 * The page's notices: refusals and news in words, the newest four, each until
 * it is dismissed. The session and the room add to it; Banners shows it.
 */
export interface Notice {
  id: number;
  text: string;
  /** What the seed notebook prints for this refusal, when it prints something. */
  seedLine?: string;
}

export class Notices {
  #list = $state.raw<Notice[]>([]);
  #nextId = 1;

  get list(): Notice[] {
    return this.#list;
  }

  /** A refusal (its `message`, and its `seedLine` if any) or a `text` of our own. */
  notify(error: { message?: string; text?: string; seedLine?: string }): void {
    const text = error.text ?? error.message ?? 'Something went wrong.';
    const notice: Notice = { id: this.#nextId++, text };
    if (error.seedLine) notice.seedLine = error.seedLine;
    this.#list = [...this.#list.slice(-3), notice];
  }

  dismiss(id: number): void {
    this.#list = this.#list.filter((n) => n.id !== id);
  }
}
