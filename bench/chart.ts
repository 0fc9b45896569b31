/** Draws line charts on log–log axes as a standalone SVG, with no dependencies. */

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const WIDTH = 460;
const HEIGHT = 320;
const MARGIN = { left: 64, right: 16, top: 32, bottom: 44 };

function logRange(values: number[]): [number, number] {
  const positive = values.filter((value) => value > 0);
  const low = Math.floor(Math.log10(Math.min(...positive, 1)));
  const high = Math.ceil(Math.log10(Math.max(...positive, 10)));
  return [low, high === low ? low + 1 : high];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function panel(p: Panel, offsetX: number): string {
  const xs = logRange(p.series.flatMap((s) => s.points.map(([x]) => x)));
  const ys = logRange(p.series.flatMap((s) => s.points.map(([, y]) => y)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => offsetX + MARGIN.left + ((Math.log10(value) - xs[0]) / (xs[1] - xs[0])) * plotW;
  const y = (value: number) =>
    MARGIN.top + plotH - ((Math.log10(Math.max(value, 10 ** ys[0])) - ys[0]) / (ys[1] - ys[0])) * plotH;
  const parts: string[] = [];
  parts.push(
    `<text x="${offsetX + WIDTH / 2}" y="18" text-anchor="middle" font-weight="600">${escapeXml(p.title)}</text>`,
  );
  for (let e = xs[0]; e <= xs[1]; e++) {
    const px = x(10 ** e);
    parts.push(`<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${px}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${(10 ** e).toLocaleString("en-US")}</text>`,
    );
  }
  for (let e = ys[0]; e <= ys[1]; e++) {
    const py = y(10 ** e);
    parts.push(
      `<line x1="${offsetX + MARGIN.left}" y1="${py}" x2="${offsetX + MARGIN.left + plotW}" y2="${py}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${offsetX + MARGIN.left - 6}" y="${py + 4}" text-anchor="end">${(10 ** e).toLocaleString("en-US")}</text>`,
    );
  }
  parts.push(
    `<text x="${offsetX + MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(${offsetX + 14} ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
  );
  p.series.forEach((s, index) => {
    const path = s.points
      .map(([px, py], i) => `${i === 0 ? "M" : "L"}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
      .join(" ");
    const dash = s.dashed ? ' stroke-dasharray="5 4"' : "";
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const [px, py] of s.points) parts.push(`<circle cx="${x(px)}" cy="${y(py)}" r="3" fill="${s.color}"/>`);
    const ly = MARGIN.top + 8 + index * 15;
    const lx = offsetX + MARGIN.left + 8;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  return parts.join("\n");
}

/** Panels side by side in one SVG document. */
export function renderChart(panels: Panel[]): string {
  const width = WIDTH * panels.length;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
${panels.map((p, i) => panel(p, i * WIDTH)).join("\n")}
</svg>
`;
}
