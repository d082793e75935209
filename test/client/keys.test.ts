// Presenter keys (client/lib/keys.ts): what a remote's keys ask for, never while typing, and
// what each does on a host's or a watcher's page, live or looking back on the timeline.
import { describe, expect, it } from 'vitest';
import type { KeyPress } from '../../client/lib/keys.ts';
import { keyCommand, presenterAction } from '../../client/lib/keys.ts';

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: { tagName: 'BODY' },
  ...more,
});

describe('presenter keys', () => {
  it('reads the keys a presenter remote sends', () => {
    expect(presenterAction(press('PageDown'))).toBe('forward');
    expect(presenterAction(press('ArrowRight'))).toBe('forward');
    expect(presenterAction(press('PageUp'))).toBe('back');
    expect(presenterAction(press('ArrowLeft'))).toBe('back');
    expect(presenterAction(press('.'))).toBe('pause');
    expect(presenterAction(press('Escape'))).toBe('live');
    expect(presenterAction(press('a'))).toBeNull();
    expect(presenterAction(press('Enter', { target: { tagName: 'BUTTON' } }))).toBeNull();
  });

  it('leaves typing and shortcuts alone', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) {
      expect(presenterAction(press('.', { target: { tagName } }))).toBeNull();
      expect(presenterAction(press('ArrowLeft', { target: { tagName } }))).toBeNull();
    }
    expect(
      presenterAction(press('.', { target: { tagName: 'DIV', isContentEditable: true } })),
    ).toBe(null);
    expect(presenterAction(press('PageDown', { ctrlKey: true }))).toBeNull();
    expect(presenterAction(press('ArrowLeft', { altKey: true }))).toBeNull(); // the browser's Back
    expect(presenterAction(press('PageUp', { metaKey: true }))).toBeNull();
    expect(presenterAction(press('PageDown', { target: { tagName: 'BUTTON' } }))).toBe('forward');
  });

  it('steps the network when the host is live, and moves through the timeline when looking back', () => {
    const host = { viewing: false, host: true };
    expect(keyCommand('forward', host)).toBe('step');
    expect(keyCommand('back', host)).toBe('back');
    expect(keyCommand('pause', host)).toBe('pause');
    expect(keyCommand('live', host)).toBeNull();
    const looking = { viewing: true, host: true };
    expect(keyCommand('forward', looking)).toBe('forward');
    expect(keyCommand('live', looking)).toBe('live');
    // A watcher's screen: no command of the host's, the timeline only.
    const watcher = { viewing: false, host: false };
    expect(keyCommand('forward', watcher)).toBeNull();
    expect(keyCommand('pause', watcher)).toBeNull();
    expect(keyCommand('back', watcher)).toBe('back');
    expect(keyCommand('forward', { viewing: true, host: false })).toBe('forward');
  });
});
