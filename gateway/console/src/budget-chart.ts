/** Draws privacy budget spent and left per partner and window as a horizontal stacked bar chart (SVG). */
import { COLOURS, svgElement as element } from './svg.ts';

/** One partner's budget in one window. */
export interface BudgetRow {
  partnerId: string;
  window: string;
  epsilonLimit: number;
  epsilonSpent: number;
  epsilonRemaining: number;
}

/** Replace the chart inside `container` with bars for `rows`. */
export function renderBudgetChart(container: HTMLElement, rows: readonly BudgetRow[]): void {
  container.replaceChildren();
  if (rows.length === 0) {
    container.textContent = 'No partner has a budget yet.';
    return;
  }
  const barHeight = 26;
  const labelWidth = 190;
  const barWidth = 380;
  const height = rows.length * (barHeight + 10) + 30;
  const svg = element('svg', { width: labelWidth + barWidth + 230, height, role: 'img' });
  rows.forEach((row, index) => {
    const y = index * (barHeight + 10) + 4;
    const limit = row.epsilonLimit > 0 ? row.epsilonLimit : 1;
    const spentWidth = Math.min(1, row.epsilonSpent / limit) * barWidth;
    svg.append(
      element(
        'text',
        { x: 0, y: y + 17, 'font-size': 13, class: 'partner' },
        `${row.partnerId} (${row.window})`,
      ),
    );
    svg.append(element('rect', { x: labelWidth, y, width: barWidth, height: barHeight, fill: COLOURS.left }));
    svg.append(
      element('rect', {
        x: labelWidth,
        y,
        width: spentWidth,
        height: barHeight,
        fill: COLOURS.deny,
        class: 'spent',
      }),
    );
    svg.append(
      element(
        'text',
        { x: labelWidth + barWidth + 8, y: y + 17, 'font-size': 12 },
        `ε ${row.epsilonSpent.toFixed(2)} spent / ${row.epsilonRemaining.toFixed(2)} left`,
      ),
    );
  });
  const legendY = rows.length * (barHeight + 10) + 20;
  svg.append(element('rect', { x: labelWidth, y: legendY - 10, width: 12, height: 12, fill: COLOURS.deny }));
  svg.append(element('text', { x: labelWidth + 16, y: legendY, 'font-size': 12 }, 'spent'));
  svg.append(
    element('rect', { x: labelWidth + 70, y: legendY - 10, width: 12, height: 12, fill: COLOURS.left }),
  );
  svg.append(element('text', { x: labelWidth + 86, y: legendY, 'font-size': 12 }, 'left'));
  container.append(svg);
}
