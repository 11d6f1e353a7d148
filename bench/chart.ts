/** A dependency-free SVG line chart of benchmark series (throughput or latency against load). */
import type { SeriesPoint } from './types.ts';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Render series points as an SVG line chart with axes, ticks and a legend. */
export function renderLineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  points: readonly SeriesPoint[],
): string {
  const width = 760;
  const height = 420;
  const margin = { left: 70, right: 200, top: 40, bottom: 50 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xMax = Math.max(1, ...xs);
  const yMax = Math.max(1, ...ys) * 1.1;
  const sx = (x: number): number => margin.left + (x / xMax) * plotWidth;
  const sy = (y: number): number => margin.top + plotHeight - (y / yMax) * plotHeight;
  const names = [...new Set(points.map((p) => p.series))];
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(
    `<text x="${width / 2 - 100}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  parts.push(
    `<line x1="${margin.left}" y1="${margin.top + plotHeight}" x2="${margin.left + plotWidth}" y2="${margin.top + plotHeight}" stroke="black"/>`,
  );
  parts.push(
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotHeight}" stroke="black"/>`,
  );
  for (let i = 0; i <= 5; i += 1) {
    const yValue = (yMax / 5) * i;
    const xValue = (xMax / 5) * i;
    parts.push(
      `<text x="${margin.left - 8}" y="${sy(yValue) + 4}" text-anchor="end">${formatTick(yValue)}</text>`,
    );
    parts.push(
      `<line x1="${margin.left}" y1="${sy(yValue)}" x2="${margin.left + plotWidth}" y2="${sy(yValue)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${sx(xValue)}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${formatTick(xValue)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  names.forEach((name, index) => {
    const color = COLORS[index % COLORS.length] ?? 'black';
    const series = points.filter((p) => p.series === name).sort((a, b) => a.x - b.x);
    const path = series
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of series)
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const legendY = margin.top + 10 + index * 18;
    parts.push(
      `<rect x="${width - margin.right + 15}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`,
    );
    parts.push(`<text x="${width - margin.right + 32}" y="${legendY + 1}">${escapeXml(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function formatTick(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k`;
  return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}
