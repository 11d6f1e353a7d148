/**
 * Decisions per partner and effect over time: one row per principal, one bar per time bucket, allowed stacked
 * under refused, on one scale for every row so partners compare at a glance.
 */
import type { DecisionBucket, DecisionHistogram } from '../../decision-log-api.ts';
import { COLOURS, svgElement, withTooltip } from './svg.ts';

/** Decisions of one principal with one effect in one bucket (`decisionHistogram`'s buckets). */
export type ActivityBucket = DecisionBucket;

/** What the chart draws: `decisionHistogram`'s answer. */
export type Activity = Omit<DecisionHistogram, 'examined'>;

const MAX_ROWS = 12;
const LABEL_WIDTH = 170;
const PLOT_WIDTH = 480;
const TOTALS_WIDTH = 170;
const ROW_HEIGHT = 34;

interface Row {
  principal: string;
  label: string;
  allowed: number[];
  refused: number[];
}

/** Group buckets into rows (the busiest principals first; the rest summed as "others"). */
function rowsOf(activity: Activity, slots: number): Row[] {
  const sinceMs = Date.parse(activity.since);
  const slotMs = activity.bucketSeconds * 1000;
  const rows = new Map<string, Row>();
  for (const bucket of activity.buckets) {
    // Rows are principal and role: a request whose token was refused has no role (nor a verified principal), and
    // must not be counted in the row of the partner it claimed to be.
    const key = `${bucket.principal}\u0000${bucket.role ?? ''}`;
    const unnamed = ['', 'anonymous', 'unknown', '-'].includes(bucket.principal.trim().toLowerCase());
    const row = rows.get(key) ?? {
      principal: bucket.principal,
      label:
        bucket.role !== null
          ? `${bucket.principal} (${bucket.role})`
          : unnamed
            ? 'anonymous'
            : `${bucket.principal} (no role)`,
      allowed: new Array<number>(slots).fill(0),
      refused: new Array<number>(slots).fill(0),
    };
    const slot = Math.min(slots - 1, Math.max(0, Math.floor((Date.parse(bucket.start) - sinceMs) / slotMs)));
    const series = bucket.effect.toLowerCase() === 'deny' ? row.refused : row.allowed;
    series[slot] = (series[slot] ?? 0) + bucket.count;
    rows.set(key, row);
  }
  const total = (row: Row) => row.allowed.reduce((a, b) => a + b, 0) + row.refused.reduce((a, b) => a + b, 0);
  const sorted = [...rows.values()].sort((a, b) => total(b) - total(a) || a.label.localeCompare(b.label));
  if (sorted.length <= MAX_ROWS) return sorted;
  const others: Row = {
    principal: '*others*',
    label: `${sorted.length - MAX_ROWS + 1} others`,
    allowed: new Array<number>(slots).fill(0),
    refused: new Array<number>(slots).fill(0),
  };
  for (const row of sorted.slice(MAX_ROWS - 1)) {
    row.allowed.forEach((count, slot) => (others.allowed[slot] = (others.allowed[slot] ?? 0) + count));
    row.refused.forEach((count, slot) => (others.refused[slot] = (others.refused[slot] ?? 0) + count));
  }
  return [...sorted.slice(0, MAX_ROWS - 1), others];
}

function minutesLabel(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes === 0 ? 'now' : `−${minutes} min`;
}

/** Replace the chart inside `container`. */
export function renderActivityChart(container: HTMLElement, activity: Activity): void {
  container.replaceChildren();
  const spanMs = Date.parse(activity.until) - Date.parse(activity.since);
  const slots = Math.max(1, Math.ceil(spanMs / (activity.bucketSeconds * 1000)));
  const rows = rowsOf(activity, slots);
  if (rows.length === 0) {
    container.textContent = 'No decisions in this period.';
    return;
  }
  const peak = Math.max(
    1,
    ...rows.flatMap((row) => row.allowed.map((count, slot) => count + (row.refused[slot] ?? 0))),
  );
  const height = rows.length * ROW_HEIGHT + 34;
  const svg = svgElement('svg', {
    width: LABEL_WIDTH + PLOT_WIDTH + TOTALS_WIDTH,
    height,
    role: 'img',
    'aria-label': `decisions per partner and effect, ${minutesLabel(spanMs).replace('−', '')} up to now`,
  });
  const slotWidth = PLOT_WIDTH / slots;
  rows.forEach((row, index) => {
    const top = index * ROW_HEIGHT + 4;
    const base = top + ROW_HEIGHT - 8;
    const group = svgElement('g', { class: 'activity-row', 'data-principal': row.principal });
    group.append(svgElement('text', { x: 0, y: base - 6, 'font-size': 12, fill: COLOURS.text }, row.label));
    group.append(
      svgElement('line', {
        x1: LABEL_WIDTH,
        x2: LABEL_WIDTH + PLOT_WIDTH,
        y1: base,
        y2: base,
        stroke: COLOURS.grid,
      }),
    );
    const barHeight = (count: number) => (count / peak) * (ROW_HEIGHT - 10);
    for (let slot = 0; slot < slots; slot += 1) {
      const allowed = row.allowed[slot] ?? 0;
      const refused = row.refused[slot] ?? 0;
      if (allowed + refused === 0) continue;
      const x = LABEL_WIDTH + slot * slotWidth + 0.5;
      const width = Math.max(1, slotWidth - 1);
      const when = new Date(
        Date.parse(activity.since) + slot * activity.bucketSeconds * 1000,
      ).toLocaleTimeString();
      const tooltip = `${row.label} from ${when}: ${allowed} allowed, ${refused} refused`;
      if (allowed > 0)
        group.append(
          withTooltip(
            svgElement('rect', {
              x,
              y: base - barHeight(allowed),
              width,
              height: barHeight(allowed),
              fill: COLOURS.allow,
              class: 'bar-allow',
              'data-count': allowed,
            }),
            tooltip,
          ),
        );
      if (refused > 0)
        group.append(
          withTooltip(
            svgElement('rect', {
              x,
              y: base - barHeight(allowed) - barHeight(refused),
              width,
              height: barHeight(refused),
              fill: COLOURS.deny,
              class: 'bar-deny',
              'data-count': refused,
            }),
            tooltip,
          ),
        );
    }
    const allowedTotal = row.allowed.reduce((a, b) => a + b, 0);
    const refusedTotal = row.refused.reduce((a, b) => a + b, 0);
    group.append(
      svgElement(
        'text',
        {
          x: LABEL_WIDTH + PLOT_WIDTH + 10,
          y: base - 6,
          'font-size': 12,
          fill: COLOURS.text,
          class: 'totals',
        },
        `${allowedTotal} allowed · ${refusedTotal} refused`,
      ),
    );
    svg.append(group);
  });
  const axisY = rows.length * ROW_HEIGHT + 18;
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(
      svgElement(
        'text',
        {
          x: LABEL_WIDTH + fraction * PLOT_WIDTH,
          y: axisY,
          'font-size': 11,
          fill: COLOURS.muted,
          'text-anchor': fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle',
        },
        minutesLabel((1 - fraction) * spanMs),
      ),
    );
  }
  const legendY = axisY + 12;
  svg.setAttribute('height', String(legendY + 6));
  svg.append(
    svgElement('rect', { x: LABEL_WIDTH, y: legendY - 9, width: 10, height: 10, fill: COLOURS.allow }),
  );
  svg.append(svgElement('text', { x: LABEL_WIDTH + 14, y: legendY, 'font-size': 11 }, 'allowed'));
  svg.append(
    svgElement('rect', { x: LABEL_WIDTH + 74, y: legendY - 9, width: 10, height: 10, fill: COLOURS.deny }),
  );
  svg.append(svgElement('text', { x: LABEL_WIDTH + 88, y: legendY, 'font-size': 11 }, 'refused'));
  container.append(svg);
  if (activity.truncated) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = 'More decisions than one request counts: the chart stops at the last one counted.';
    container.append(note);
  }
}
