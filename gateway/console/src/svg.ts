/** A tiny helper for the console's charts: SVG elements built with the DOM, nothing loaded from anywhere. */

const SVG = 'http://www.w3.org/2000/svg';

/** Create an SVG element with attributes and, optionally, text. */
export function svgElement(
  name: string,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A `<title>` child: the tooltip a browser shows over the element. */
export function withTooltip<T extends SVGElement>(node: T, text: string): T {
  node.append(svgElement('title', {}, text));
  return node;
}

/** Colours shared by the charts and the table. */
export const COLOURS = {
  allow: '#2f8f5b',
  deny: '#d3455b',
  left: '#d9f2e1',
  grid: '#e4e7ec',
  text: '#1d2330',
  muted: '#8a93a5',
  line: '#3056d3',
} as const;
