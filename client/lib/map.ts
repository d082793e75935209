/* Geometry and labels of the room map: friends on a circle, messages between them. */
import type { Message } from '../../shared/paxos/index.ts';

export const SIZE = 640;
export const C = SIZE / 2;
export const R = 228;
/** A friend's card. */
export const W = 196;
export const H = 112;

export interface Point {
  x: number;
  y: number;
}

/** A message the host picked on the map, and where on the page (to open its actions there). */
export interface Pick extends Point {
  id: number;
}

/** The friends on a circle, the first at the top, clockwise. */
export function layout(nodes: readonly string[]): Record<string, Point> {
  return Object.fromEntries(
    nodes.map((n, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
      return [n, { x: C + R * Math.cos(a), y: C + R * Math.sin(a) }];
    }),
  );
}

/** The segment between two cards, so an arrow head shows outside the card it points at. */
export function trim(a: Point, b: Point) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  // How far the card's edge is from its centre, in this direction.
  const edge = Math.min(W / 2 / Math.abs(dx / len || 1e-9), H / 2 / Math.abs(dy / len || 1e-9)) + 6;
  return {
    x1: a.x + (dx / len) * edge,
    y1: a.y + (dy / len) * edge,
    x2: b.x - (dx / len) * edge,
    y2: b.y - (dy / len) * edge,
  };
}

export function flightLabel(m: Message): string {
  switch (m.kind) {
    case 'promiseRequest':
      return `promise ${m.proposalId}?`;
    case 'acceptRequest':
      return `accept ${m.proposalId}?`;
    case 'promiseReply':
      return `${m.granted ? '✓' : '✗'} promise`;
    case 'acceptReply':
      return `${m.granted ? '✓' : '✗'} accept`;
  }
}

/** A request, or a reply granted or rejected (always shown with ✓ or ✗ too, never by colour alone). */
export const tone = (m: Message): 'request' | 'granted' | 'rejected' =>
  m.kind === 'promiseRequest' || m.kind === 'acceptRequest'
    ? 'request'
    : m.granted
      ? 'granted'
      : 'rejected';

export const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
