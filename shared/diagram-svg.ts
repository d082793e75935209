/*
 * The space-time diagram (shared/diagram.ts) as one SVG string: what
 * `GET /api/rooms/CODE/diagram.svg` sends and what the room page shows (one renderer).
 * Every text is escaped. Sized for a 1920x1080 projector (the browser scales it to its box);
 * a phone scrolls it inside its box.
 */
import type { Diagram, DiagramArrow, DiagramMark } from './diagram.ts';
import type { Highlight } from './quorums.ts';

export interface SvgOptions {
  /** A title line above the lanes. */
  title?: string;
  /** Friends to highlight (the quorum intersection): their lanes are tinted. */
  highlight?: Readonly<Record<string, Highlight>>;
  /** A sentence under the title (the quorum story). */
  caption?: string;
}

const LANE = 175;
const LEFT = 90;
const ROW = 34;
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

const COLOURS = {
  ink: '#1d2228',
  request: '#2857a4',
  granted: '#1b7a3a',
  rejected: '#c0271d',
  dropped: '#6b6f76',
  lane: '#9aa0a8',
  crash: '#d6d3cd',
  shared: '#ffe27a',
  first: '#cfe3ff',
  second: '#ffd9cf',
  chosen: '#1b7a3a',
  broken: '#c0271d',
} as const;

const PARTITION = ['#7a4cc2', '#c27a12', '#127a7a', '#a4285f'];

/** Text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const n = (x: number) => (Math.round(x * 10) / 10).toString();

function colourOf(a: DiagramArrow): string {
  if (a.fate === 'dropped' || a.fate === 'lost') return COLOURS.dropped;
  if (a.granted === undefined) return COLOURS.request;
  return a.granted ? COLOURS.granted : COLOURS.rejected;
}

/** Splits a long caption into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function cross(x: number, y: number, colour: string, size = 9): string {
  return (
    `<path d="M${n(x - size)} ${n(y - size)}L${n(x + size)} ${n(y + size)}M${n(x + size)} ${n(y - size)}L${n(x - size)} ${n(y + size)}" ` +
    `stroke="${colour}" stroke-width="4" stroke-linecap="round"/>`
  );
}

function legend(y: number): string {
  const items: string[] = [];
  let x = LEFT - 50;
  const entry = (draw: string, label: string, width: number) => {
    items.push(draw.replace(/\{x\}/g, n(x)).replace(/\{x2\}/g, n(x + 36)));
    items.push(`<text x="${n(x + 44)}" y="${n(y + 5)}">${escapeXml(label)}</text>`);
    x += width;
  };
  const line = (colour: string, dash = '') =>
    `<line x1="{x}" y1="${y}" x2="{x2}" y2="${y}" stroke="${colour}" stroke-width="3"${dash}/>`;
  entry(line(COLOURS.request), 'request', 140);
  entry(line(COLOURS.granted), 'granted', 140);
  entry(line(COLOURS.rejected), 'rejected', 145);
  entry(line(COLOURS.dropped) + cross(x + 30, y, COLOURS.dropped, 7), 'dropped / lost', 205);
  entry(line(COLOURS.request, ' stroke-dasharray="4 4"'), 'duplicate', 155);
  entry(line(COLOURS.request, ' stroke-dasharray="12 6" opacity="0.6"'), 'in flight', 150);
  return `<g class="legend" font-size="17" fill="${COLOURS.ink}">${items.join('')}</g>`;
}

function markSvg(m: DiagramMark, x: (node: string) => number, y: (row: number) => number): string {
  switch (m.kind) {
    case 'proposal':
      return (
        `<circle cx="${n(x(m.node))}" cy="${n(y(m.row))}" r="8" fill="${COLOURS.request}"/>` +
        `<text x="${n(x(m.node) + 12)}" y="${n(y(m.row) - 6)}" font-weight="700">${escapeXml(
          `proposal ${m.proposalId}: ${m.value}`,
        )}</text>`
      );
    case 'crashed':
      return cross(x(m.node), y(m.row), COLOURS.ink, 11);
    case 'recovered':
      return (
        `<rect x="${n(x(m.node) - 9)}" y="${n(y(m.row) - 9)}" width="18" height="18" fill="${COLOURS.ink}"/>` +
        `<text x="${n(x(m.node) + 14)}" y="${n(y(m.row) + 6)}" font-weight="700">${escapeXml(
          m.memory === 'kept' ? 'back (disk)' : 'back (amnesia)',
        )}</text>`
      );
    case 'learned':
      return (
        `<circle cx="${n(x(m.node))}" cy="${n(y(m.row))}" r="9" fill="none" stroke="${COLOURS.chosen}" stroke-width="4"/>` +
        `<text x="${n(x(m.node) + 14)}" y="${n(y(m.row) + 18)}" fill="${COLOURS.chosen}" font-weight="700">${escapeXml(
          `learns ${m.value}`,
        )}</text>`
      );
    case 'chosen':
      return '';
  }
}

/** The diagram as a standalone SVG document. */
export function diagramSvg(diagram: Diagram, options: SvgOptions = {}): string {
  const { nodes, rows, arrows, spans, marks } = diagram;
  const lanes = Math.max(nodes.length, 1);
  const width = Math.max(LEFT + LANE * (lanes - 1) + 290, 1000);
  const head: string[] = [];
  let top = 34;
  if (options.title) {
    head.push(
      `<text x="20" y="${top}" font-size="24" font-weight="800">${escapeXml(options.title)}</text>`,
    );
    top += 32;
  }
  const chosenValues = [...new Set(diagram.chosen.map((c) => c.value))];
  if (chosenValues.length > 1) {
    head.push(
      `<rect x="14" y="${top - 24}" width="${width - 28}" height="34" rx="6" fill="${COLOURS.broken}"/>` +
        `<text x="24" y="${top}" font-size="20" font-weight="800" fill="#fff">${escapeXml(
          `Safety broken: two movies chosen (${chosenValues.join(' and ')})`,
        )}</text>`,
    );
    top += 40;
  }
  for (const line of [
    ...(options.caption ? wrap(options.caption, Math.floor(width / 10.5)) : []),
    ...(diagram.note ? wrap(diagram.note, Math.floor(width / 10.5)) : []),
  ]) {
    head.push(`<text x="20" y="${top}" font-size="19">${escapeXml(line)}</text>`);
    top += 26;
  }
  head.push(legend(top + 4));
  top += 36;
  const laneTop = top + 34;
  const x = (node: string) => LEFT + LANE * Math.max(0, nodes.indexOf(node));
  const y = (row: number) => laneTop + 24 + ROW * row;
  const bottom = y(Math.max(rows.length, 1)) + 10;
  // The lane names again at the foot: a long diagram is read scrolled to its newest rows.
  const height = bottom + (rows.length > 12 ? 44 : 20);
  const body: string[] = [];

  // Lanes, highlighted friends first (under everything).
  nodes.forEach((node) => {
    const mark = options.highlight?.[node];
    if (mark) {
      body.push(
        `<rect class="lane-${mark}" data-node="${escapeXml(node)}" x="${n(x(node) - LANE / 2 + 12)}" y="${n(top)}" width="${LANE - 24}" height="${n(bottom - top)}" rx="10" fill="${COLOURS[mark]}"/>`,
      );
    }
  });
  for (const s of spans) {
    const from = y(s.from);
    const to = s.to === null ? bottom : y(s.to);
    if (s.kind === 'crash') {
      body.push(
        `<rect x="${n(x(s.node) - 22)}" y="${n(from)}" width="44" height="${n(Math.max(to - from, 4))}" fill="${COLOURS.crash}" stroke="${COLOURS.ink}" stroke-dasharray="3 3"><title>${escapeXml(`${s.node} is ${s.label}`)}</title></rect>`,
      );
    } else {
      const group = Number(/group (\d+)/.exec(s.label)?.[1] ?? 1) - 1;
      const colour = PARTITION[group % PARTITION.length]!;
      body.push(
        `<rect x="${n(x(s.node) - 34)}" y="${n(from)}" width="8" height="${n(Math.max(to - from, 4))}" fill="${colour}"><title>${escapeXml(`${s.node}: partition ${s.label}`)}</title></rect>`,
      );
    }
  }
  nodes.forEach((node) => {
    body.push(
      `<line x1="${n(x(node))}" y1="${n(laneTop)}" x2="${n(x(node))}" y2="${n(bottom)}" stroke="${COLOURS.lane}" stroke-width="2"/>` +
        `<text x="${n(x(node))}" y="${n(laneTop - 6)}" font-size="24" font-weight="800" text-anchor="middle">${escapeXml(node)}</text>`,
    );
  });
  if (rows.length > 12) {
    for (const node of nodes) {
      body.push(
        `<text x="${n(x(node))}" y="${n(bottom + 26)}" font-size="20" font-weight="800" text-anchor="middle">${escapeXml(node)}</text>`,
      );
    }
  }
  // Chosen: a band across the row.
  for (const m of marks) {
    if (m.kind !== 'chosen') continue;
    const yy = y(m.row);
    const broken = chosenValues.length > 1;
    // The label goes at the right end, or at the left when the last lane is busy there.
    const near = (r: number | null) => r !== null && Math.abs(r - m.row) <= 1;
    const busy = (node: string | undefined) =>
      arrows.some((a) => (a.from === node || a.to === node) && (near(a.sent) || near(a.end)));
    const left = busy(nodes[nodes.length - 1]) && !busy(nodes[0]);
    body.push(
      `<line x1="${LEFT - 40}" y1="${n(yy)}" x2="${n(width - 20)}" y2="${n(yy)}" stroke="${broken ? COLOURS.broken : COLOURS.chosen}" stroke-width="3" stroke-dasharray="10 6"/>` +
        `<text x="${n(left ? LEFT - 36 : width - 24)}" y="${n(yy - 6)}" text-anchor="${left ? 'start' : 'end'}" font-weight="800" stroke="#fbfaf7" stroke-width="6" paint-order="stroke" fill="${broken ? COLOURS.broken : COLOURS.chosen}">${escapeXml(
          `chosen: ${m.chosen.value} (proposal ${m.chosen.proposalId})`,
        )}</text>`,
    );
  }
  for (const a of arrows) body.push(arrowSvg(a, x, y, bottom));
  for (const m of marks) body.push(markSvg(m, x, y));

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `font-family="${FONT}" font-size="16" fill="${COLOURS.ink}" role="img" aria-label="${escapeXml(
      options.title ?? 'Space-time diagram',
    )}">` +
    `<title>${escapeXml(options.title ?? 'Space-time diagram')}</title>` +
    `<rect width="100%" height="100%" fill="#fbfaf7"/>` +
    head.join('') +
    body.join('') +
    `</svg>`
  );
}

function arrowSvg(
  a: DiagramArrow,
  x: (node: string) => number,
  y: (row: number) => number,
  bottom: number,
): string {
  const colour = colourOf(a);
  const x1 = x(a.from);
  const y1 = a.sent < 0 ? y(0) - 20 : y(a.sent);
  const x2full = x(a.to);
  const flying = a.end === null;
  const lostish = a.fate === 'dropped' || a.fate === 'lost' || a.fate === 'gone';
  let y2 = flying ? bottom - 6 : y(a.end!);
  let x2 = x2full;
  const self = a.from === a.to;
  // A lost or dropped message stops short of its receiver, at an X.
  if (lostish && !self) x2 = x1 + (x2full - x1) * 0.6;
  if (flying && !self) {
    const rows = Math.max((bottom - y1) / ROW, 1);
    x2 = x1 + (x2full - x1) * Math.min(0.85, 0.5 + 0.1 * rows);
  }
  if (y2 <= y1) y2 = y1 + ROW * 0.8;
  const dash =
    a.duplicateOf !== undefined
      ? ' stroke-dasharray="4 4"'
      : flying
        ? ' stroke-dasharray="12 6" opacity="0.6"'
        : '';
  const cls = `arrow ${a.kind}${a.granted === false ? ' rejected' : a.granted ? ' granted' : ''} ${a.fate}`;
  const title = `<title>${escapeXml(
    `#${a.id} ${a.from} → ${a.to}: ${a.label} (${a.fate === 'flying' ? 'in flight' : a.fate})`,
  )}</title>`;
  let path: string;
  let lx: number;
  let ly: number;
  let anchor = 'middle';
  if (self) {
    const bulge = 46;
    path = `M${n(x1)} ${n(y1)}C${n(x1 + bulge)} ${n(y1)} ${n(x1 + bulge)} ${n(y2)} ${n(x1 + 4)} ${n(y2)}`;
    lx = x1 + bulge - 4;
    ly = (y1 + y2) / 2 + 5;
    anchor = 'start';
  } else {
    path = `M${n(x1)} ${n(y1)}L${n(x2)} ${n(y2)}`;
    lx = (x1 + x2) / 2;
    ly = (y1 + y2) / 2 - 4;
  }
  const head = lostish
    ? cross(self ? x1 + 4 : x2, y2, colour)
    : flying
      ? ''
      : arrowHead(self ? x1 + 40 : x1, self ? y2 : y1, self ? x1 + 4 : x2, y2, colour);
  const label =
    (a.duplicateOf !== undefined ? 'copy: ' : '') +
    a.label +
    (a.fate === 'lost' ? ' (lost)' : a.fate === 'dropped' ? ' (dropped)' : flying ? ' …' : '');
  return (
    `<g class="${cls}" data-id="${a.id}">${title}` +
    `<path d="${path}" fill="none" stroke="${colour}" stroke-width="3"${dash}/>` +
    head +
    `<text x="${n(lx)}" y="${n(ly)}" text-anchor="${anchor}" fill="${colour}" stroke="#fbfaf7" stroke-width="5" paint-order="stroke" font-size="15" font-weight="600">${escapeXml(
      label,
    )}</text></g>`
  );
}

function arrowHead(x1: number, y1: number, x2: number, y2: number, colour: string): string {
  const angle = Math.atan2(y2 - y1, x2 - x1);
  const size = 12;
  const p = (da: number) =>
    `${n(x2 - size * Math.cos(angle - da))} ${n(y2 - size * Math.sin(angle - da))}`;
  return `<path d="M${n(x2)} ${n(y2)}L${p(0.45)}L${p(-0.45)}Z" fill="${colour}"/>`;
}
