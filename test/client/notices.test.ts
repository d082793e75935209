// The page's words for refusals, the connection and new log lines (client/lib/notices.svelte.ts).
import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../shared/protocol/schemas.ts';
import { COMMANDS } from '../../shared/room/index.ts';
import { LineAnnouncer, Notices, friendly, linkBanner } from '../../client/lib/notices.svelte.ts';

/** The edge's own refusal of a payload, as a socket would get it. */
function refusal(event: 'room:join', payload: unknown): string {
  const parsed = parsePayload(event, COMMANDS[event].payload, payload);
  if (parsed.ok) throw new Error('accepted');
  return parsed.message;
}

describe('notices', () => {
  it('a bad room code is told as the real format, not as the schema error', () => {
    const raw = refusal('room:join', { code: 'QQ', name: 'Amy' });
    expect(raw).toMatch(/^Invalid payload for room:join: code: /);
    expect(friendly(raw)).toBe(
      'That is not a room code. Room codes are 5 letters and digits, like KXQ7M: check the code and try again.',
    );
    // The example is a real code (the alphabet has no 0/O, 1/I/L).
    expect(() => refusal('room:join', { code: 'KXQ7M', name: '' })).not.toThrow();
    expect(refusal('room:join', { code: 'KXQ7M', name: '' })).not.toMatch(/code:/);
  });

  it('any other schema error keeps only the rule, and other refusals are kept as they are', () => {
    const raw = refusal('room:join', { code: 'KXQ7M', name: 'x'.repeat(30) });
    expect(friendly(raw)).toBe('A name can be at most 24 characters.');
    expect(friendly("It is Ben's turn (Bo).")).toBe("It is Ben's turn (Bo).");
    const notices = new Notices();
    notices.notify({ message: raw });
    notices.notify({ text: 'Our own words: Invalid payload for x: y: z' });
    expect(notices.list.map((n) => n.text)).toEqual([
      'A name can be at most 24 characters.',
      'Our own words: Invalid payload for x: y: z',
    ]);
  });

  it('only a seated player is told that their seat is kept', () => {
    expect(linkBanner('lost', true)?.text).toContain('your seat is kept');
    expect(linkBanner('lost', false)?.text).not.toContain('seat');
    expect(linkBanner('lost', false)?.text).toContain('Reconnecting…');
    expect(linkBanner('back', false)?.text).toBe('Connected again.');
    expect(linkBanner('back', true)?.text).toBe('Connected again. You are back in your seat.');
    expect(linkBanner('online', true)).toBeNull();
    expect(linkBanner('connecting', false)).toBeNull();
  });

  it('new log lines are summed up at most once a second', () => {
    let now = 0;
    const timers: { at: number; run: () => void }[] = [];
    const announcer = new LineAnnouncer(
      () => now,
      (run, ms) => timers.push({ at: now + ms, run }),
    );
    const advance = (ms: number) => {
      now += ms;
      for (const t of timers.splice(0)) {
        if (t.at <= now) t.run();
        else timers.push(t);
      }
    };
    announcer.add(1, 'Amy generated a new proposal id 1 for value : Dune');
    expect(announcer.text).toBe('New line: Amy generated a new proposal id 1 for value : Dune');
    // A burst within the second: one summary when the second is up, not one per line.
    announcer.add(2, 'PROMISE Request from Amy(p: 1) to Ben(acc_p: None)');
    announcer.add(18, 'Amy chose : Dune');
    expect(announcer.text).toBe('New line: Amy generated a new proposal id 1 for value : Dune');
    expect(timers).toHaveLength(1);
    advance(999);
    expect(announcer.text).toMatch(/^New line/);
    advance(1);
    expect(announcer.text).toBe('20 new lines. The last: Amy chose : Dune');
    // Quiet for a while: the next line is told at once.
    advance(5000);
    announcer.add(1, '~ #3 was dropped');
    expect(announcer.text).toBe('New line: ~ #3 was dropped');
  });
});
