/**
 * A grouped bar chart as a standalone SVG: one panel per measure, one group of bars per
 * category (a benchmark's stages), one bar colour per series. Enough for a benchmark to
 * draw its own figures without a plotting dependency.
 */
export interface Panel {
  readonly title: string;
  readonly unit: string;
  /** Series name → one value per category (NaN: no bar). */
  readonly series: Record<string, readonly number[]>;
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));

export function barChart(
  title: string,
  categories: readonly string[],
  panels: readonly Panel[],
): string {
  const width = 960;
  const panelHeight = 260;
  const left = 70;
  const plotWidth = width - left - 180;
  const out: string[] = [];
  let y = 40;
  out.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16">${xml(title)}</text>`,
  );
  for (const panel of panels) {
    const names = Object.keys(panel.series);
    const values = Object.values(panel.series).flat().filter(Number.isFinite);
    const max = Math.max(1e-9, ...values) * 1.1;
    const top = y + 24;
    const plotHeight = panelHeight - 70;
    const base = top + plotHeight;
    out.push(
      `<text x="${left}" y="${y + 14}" font-size="13">${xml(panel.title)} (${xml(panel.unit)})</text>`,
    );
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      const gy = base - (plotHeight * i) / 4;
      out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${gy}" y2="${gy}" stroke="#ddd"/>`);
      out.push(
        `<text x="${left - 6}" y="${gy + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`,
      );
    }
    const group = plotWidth / categories.length;
    const bar = (group * 0.8) / Math.max(1, names.length);
    categories.forEach((category, c) => {
      const gx = left + c * group + group * 0.1;
      names.forEach((name, s) => {
        const v = panel.series[name]?.[c] ?? Number.NaN;
        if (!Number.isFinite(v)) return;
        const h = (plotHeight * v) / max;
        const x = gx + s * bar;
        out.push(
          `<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"><title>${xml(`${category}, ${name}: ${fmt(v)} ${panel.unit}`)}</title></rect>`,
        );
        out.push(
          `<text x="${(x + bar / 2).toFixed(1)}" y="${(base - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${fmt(v)}</text>`,
        );
      });
      out.push(
        `<text x="${gx + group * 0.4}" y="${base + 14}" text-anchor="middle" font-size="10">${xml(category)}</text>`,
      );
    });
    names.forEach((name, s) => {
      const ly = top + s * 16;
      out.push(
        `<rect x="${left + plotWidth + 16}" y="${ly}" width="10" height="10" fill="${COLOURS[s % COLOURS.length]}"/>`,
      );
      out.push(
        `<text x="${left + plotWidth + 32}" y="${ly + 9}" font-size="11">${xml(name)}</text>`,
      );
    });
    y += panelHeight;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" role="img" aria-label="${xml(title)}">\n<title>${xml(title)}</title>\n<rect width="100%" height="100%" fill="white"/>\n${out.join('\n')}\n</svg>\n`;
}
