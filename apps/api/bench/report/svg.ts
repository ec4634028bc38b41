// The report's plot: for every paired route, its requests/s and p99 beside the bare route of the
// same run and the same bytes from memory, on log scales (the gaps span orders of magnitude).
import type { Row } from '../harness.ts';

const LABEL_WIDTH = 360;
const PANEL_WIDTH = 300;
const GAP = 40;
const BAR = 7;
const ROW_HEIGHT = BAR * 3 + 8;
const TOP = 56;
const colours = { route: '#1f5fa8', bare: '#9a9a9a', sameBytes: '#7fc6a4' };

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** x of a value on a log10 axis from 10^low to 10^high, within a panel */
const scale = (value: number, low: number, high: number) =>
  value <= 0 ? 0 : ((Math.min(Math.max(Math.log10(value), low), high) - low) / (high - low)) * PANEL_WIDTH;

export function renderSvg(benches: { name: string; rows: Row[] }[]): string {
  const rows = benches.flatMap((bench) => bench.rows.map((row) => ({ bench: bench.name, row })));
  const height = TOP + rows.length * ROW_HEIGHT + 40;
  const width = LABEL_WIDTH + PANEL_WIDTH * 2 + GAP * 2;
  const panels = [
    {
      title: 'requests/s (log)',
      x: LABEL_WIDTH,
      low: 0,
      high: 5,
      value: (row: Row) => row.requests,
      bare: (row: Row) => row.baseline,
      same: (row: Row) => row.sameBytes?.requests,
    },
    {
      title: 'p99 ms (log)',
      x: LABEL_WIDTH + PANEL_WIDTH + GAP,
      low: 0,
      high: 4,
      value: (row: Row) => row.p99,
      bare: (row: Row) => row.baselineP99,
      same: (row: Row) => row.sameBytes?.p99,
    },
  ];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">pnpm bench: each route beside the bare route of the same run and the same bytes from memory</text>`,
  ];
  const legend = [
    ['route', colours.route],
    ['bare Fastify route, same run', colours.bare],
    ['same bytes from memory', colours.sameBytes],
  ];
  legend.forEach(([label, colour], index) => {
    const x = 8 + index * 230;
    parts.push(
      `<rect x="${x}" y="28" width="12" height="10" fill="${colour}"/><text x="${x + 16}" y="37">${label}</text>`,
    );
  });
  for (const panel of panels) {
    parts.push(`<text x="${panel.x}" y="${TOP - 6}" font-weight="bold">${panel.title}</text>`);
    for (let power = panel.low; power <= panel.high; power += 1) {
      const x = panel.x + scale(10 ** power, panel.low, panel.high);
      parts.push(
        `<line x1="${x}" y1="${TOP}" x2="${x}" y2="${height - 30}" stroke="#e4e4e4"/>`,
        `<text x="${x}" y="${height - 16}" text-anchor="middle" fill="#666">${(10 ** power).toLocaleString('en')}</text>`,
      );
    }
  }
  rows.forEach(({ bench, row }, index) => {
    const y = TOP + index * ROW_HEIGHT;
    if (index % 2 === 0)
      parts.push(`<rect x="0" y="${y - 2}" width="${width}" height="${ROW_HEIGHT}" fill="#f7f7f7"/>`);
    parts.push(`<text x="8" y="${y + BAR * 2}">${escapeXml(`${bench}: ${row.name}`.slice(0, 58))}</text>`);
    for (const panel of panels) {
      const bars: [number | undefined, string][] = [
        [panel.value(row), colours.route],
        [panel.bare(row), colours.bare],
        [panel.same(row), colours.sameBytes],
      ];
      bars.forEach(([value, colour], bar) => {
        if (value === undefined) return;
        const barWidth = Math.max(1, scale(value, panel.low, panel.high));
        parts.push(
          `<rect x="${panel.x}" y="${y + bar * BAR}" width="${barWidth.toFixed(1)}" height="${BAR - 1}" fill="${colour}"><title>${Math.round(value)}</title></rect>`,
        );
      });
      parts.push(
        `<text x="${panel.x + scale(panel.value(row), panel.low, panel.high) + 4}" y="${y + BAR - 1}" font-size="9">${Math.round(panel.value(row))}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
