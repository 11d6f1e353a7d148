/** Returns restate the revenue of the purchase they take back. */
import type { PurchaseEvent } from '../../schema/index.ts';
import type { ConversionRecord, SubjectState } from './state.ts';

/**
 * Takes returned lines off the subject's most recent earlier purchases of the same sku (a return names no
 * order in the raw contract, so the latest purchase of that sku before it is the one taken back).
 * Returns the conversions whose revenue changed; a return of nothing we hold changes nothing.
 */
export function applyReturn(
  subject: SubjectState,
  returned: PurchaseEvent['items'],
  returnAt: number,
): ConversionRecord[] {
  const changed = new Set<ConversionRecord>();
  for (const item of returned) {
    let remaining = -item.quantity * item.unitPrice;
    const candidates = subject.conversions
      .filter((conversion) => conversion.at <= returnAt)
      .sort((a, b) => b.at - a.at);
    for (const conversion of candidates) {
      for (const line of conversion.lines) {
        if (remaining <= 0 || line.sku !== item.sku || line.revenue <= 0) continue;
        const taken = Math.min(line.revenue, remaining);
        line.revenue -= taken;
        remaining -= taken;
        changed.add(conversion);
      }
    }
  }
  return [...changed];
}
