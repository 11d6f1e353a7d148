/**
 * Privacy budget spent over each partner's current window: the running total of the epsilon its decisions spent
 * (from the decision log), against the window's limit, from the window's start to its end with "now" marked. One
 * small chart per partner, so a partner racing through its budget early in the window stands out.
 */
import type { ActivityBucket } from './activity-chart.ts';
import type { BudgetRow } from './budget-chart.ts';
import { COLOURS, svgElement, withTooltip } from './svg.ts';

/** A UTC calendar window (the budget ledger's rule): a day, an ISO week from Monday, or a month. */
export function windowBounds(window: string, at: Date): { start: number; end: number } {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  if (window === 'week') {
    const sinceMonday = (at.getUTCDay() + 6) % 7;
    return {
      start: Date.UTC(year, month, day - sinceMonday),
      end: Date.UTC(year, month, day - sinceMonday + 7),
    };
  }
  if (window === 'month') return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
}

/** Bucket sizes that divide a day, so UTC midnight (where every budget window starts) is always a bucket edge. */
const DAY_DIVIDING_BUCKET_SECONDS = [
  60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];
/** At most about this many buckets in the spending histogram. */
const MAX_SPEND_BUCKETS = 240;

/**
 * The histogram that covers every partner's current window (and at least the last hour): its first bucket and
 * bucket size. Buckets are aligned to UTC midnight, so no bucket straddles a window's start: a bucket that began
 * before it (say one of a week-long histogram that began at 23:24) would drop the epsilon spent just after a
 * day's window opened from that day's line.
 */
export function spendHistogramRange(
  budgets: readonly BudgetRow[],
  now: Date,
): { since: number; bucketSeconds: number } {
  const earliest = Math.min(
    now.getTime() - 3_600_000,
    ...budgets.map((budget) => windowBounds(budget.window, now).start),
  );
  const spanSeconds = (now.getTime() - earliest) / 1000;
  const bucketSeconds =
    DAY_DIVIDING_BUCKET_SECONDS.find((seconds) => spanSeconds / seconds <= MAX_SPEND_BUCKETS) ?? 86_400;
  const bucketMs = bucketSeconds * 1000;
  return { since: Math.floor(earliest / bucketMs) * bucketMs, bucketSeconds };
}

const WIDTH = 300;
const HEIGHT = 110;
const PAD = { left: 34, right: 10, top: 22, bottom: 20 };

function formatWindowTime(ms: number, window: string): string {
  const date = new Date(ms);
  return window === 'day'
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function partnerChart(budget: BudgetRow, buckets: readonly ActivityBucket[], now: Date): SVGElement {
  const { start, end } = windowBounds(budget.window, now);
  const limit = budget.epsilonLimit > 0 ? budget.epsilonLimit : 1;
  const own = buckets
    .filter((bucket) => bucket.principal === budget.partnerId && Date.parse(bucket.start) >= start)
    .sort((a, b) => a.start.localeCompare(b.start));
  const points: Array<[number, number]> = [[start, 0]];
  let spent = 0;
  for (const bucket of own) {
    if (bucket.epsilonSpent === 0) continue;
    spent += bucket.epsilonSpent;
    points.push([Date.parse(bucket.start), spent]);
  }
  points.push([now.getTime(), spent]);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (ms: number) => PAD.left + ((ms - start) / (end - start)) * plotWidth;
  const top = Math.max(limit, spent);
  const y = (epsilon: number) => PAD.top + plotHeight - (epsilon / top) * plotHeight;

  const svg = svgElement('svg', {
    width: WIDTH,
    height: HEIGHT,
    role: 'img',
    class: 'budget-spend',
    'data-partner': budget.partnerId,
    'aria-label': `${budget.partnerId}: ε ${spent.toFixed(2)} of ${budget.epsilonLimit} spent this ${budget.window}`,
  });
  svg.append(svgElement('text', { x: 0, y: 13, 'font-size': 12, 'font-weight': 600 }, `${budget.partnerId}`));
  svg.append(
    svgElement(
      'text',
      { x: WIDTH, y: 13, 'font-size': 11, fill: COLOURS.muted, 'text-anchor': 'end' },
      `this ${budget.window}: ε ${budget.epsilonSpent.toFixed(2)} of ${budget.epsilonLimit}`,
    ),
  );
  svg.append(
    svgElement('rect', {
      x: PAD.left,
      y: PAD.top,
      width: plotWidth,
      height: plotHeight,
      fill: '#fafbfc',
      stroke: COLOURS.grid,
    }),
  );
  svg.append(
    withTooltip(
      svgElement('line', {
        x1: PAD.left,
        x2: PAD.left + plotWidth,
        y1: y(limit),
        y2: y(limit),
        stroke: COLOURS.deny,
        'stroke-dasharray': '4 3',
        class: 'limit',
      }),
      `limit ε ${budget.epsilonLimit} per ${budget.window}`,
    ),
  );
  svg.append(
    svgElement(
      'text',
      { x: PAD.left - 4, y: y(limit) + 4, 'font-size': 10, 'text-anchor': 'end' },
      String(budget.epsilonLimit),
    ),
  );
  svg.append(
    svgElement(
      'text',
      { x: PAD.left - 4, y: PAD.top + plotHeight + 3, 'font-size': 10, 'text-anchor': 'end' },
      '0',
    ),
  );
  const path = points
    .map(([ms, epsilon], index) => {
      const previous = points[index - 1];
      // Steps: spending is flat until the next decision that spent.
      const step = previous === undefined ? '' : `L${x(ms).toFixed(1)},${y(previous[1]).toFixed(1)} `;
      return `${index === 0 ? 'M' : step + 'L'}${x(ms).toFixed(1)},${y(epsilon).toFixed(1)}`;
    })
    .join(' ');
  svg.append(
    withTooltip(
      svgElement('path', {
        d: path,
        fill: 'none',
        stroke: COLOURS.line,
        'stroke-width': 2,
        class: 'spend-line',
      }),
      `ε ${spent.toFixed(2)} spent by decisions in the log since the window began`,
    ),
  );
  svg.append(
    svgElement('line', {
      x1: x(now.getTime()),
      x2: x(now.getTime()),
      y1: PAD.top,
      y2: PAD.top + plotHeight,
      stroke: COLOURS.muted,
      'stroke-width': 1,
      class: 'now',
    }),
  );
  const axisY = HEIGHT - 5;
  svg.append(
    svgElement(
      'text',
      { x: PAD.left, y: axisY, 'font-size': 10, fill: COLOURS.muted },
      formatWindowTime(start, budget.window),
    ),
  );
  svg.append(
    svgElement(
      'text',
      { x: PAD.left + plotWidth, y: axisY, 'font-size': 10, fill: COLOURS.muted, 'text-anchor': 'end' },
      formatWindowTime(end, budget.window),
    ),
  );
  return svg;
}

/** Replace the charts inside `container`: one per partner budget. */
export function renderBudgetSpend(
  container: HTMLElement,
  budgets: readonly BudgetRow[],
  buckets: readonly ActivityBucket[],
  now: Date,
): void {
  container.replaceChildren();
  if (budgets.length === 0) {
    container.textContent = 'No partner has a budget yet.';
    return;
  }
  for (const budget of budgets) container.append(partnerChart(budget, buckets, now));
}
