/** A small processor for runtime tests: counts events per key in tumbling hours, emitted at window close. */
import { MS, tumblingWindow } from '../../../processors/runtime/index.ts';
import type { Processor } from '../../../processors/runtime/index.ts';

/** Input of the counter: an event id and time; `boom` makes the handler throw. */
export interface CounterEvent {
  id: string;
  at: string;
  boom?: boolean;
}

/** An output of the counter. */
export interface HourCount {
  key: string;
  windowStart: string;
  count: number;
}

/** Counts per key and hour; closes a window when the watermark passes its end plus `closeDelayMs`. */
export function createHourlyCounter(closeDelayMs: number): Processor<CounterEvent> {
  return {
    parse(record) {
      const value = JSON.parse(record.value) as CounterEvent;
      if (typeof value.id !== 'string' || Number.isNaN(Date.parse(value.at)))
        throw new Error('bad counter event');
      return value;
    },
    eventTime: (event) => Date.parse(event.at),
    eventId: (event) => event.id,
    onRecord(event, ctx) {
      const window = tumblingWindow(ctx.eventTime!, MS.hour);
      const name = `count:${window.start}`;
      ctx.state.put(name, (ctx.state.get<number>(name) ?? 0) + 1);
      if (event.boom) throw new Error('handler exploded');
      ctx.setTimer(window.end + closeDelayMs, `close:${window.start}`);
    },
    onTimer(ctx) {
      const start = Number(ctx.timer.name.slice('close:'.length));
      const count = ctx.state.get<number>(`count:${start}`) ?? 0;
      ctx.state.delete(`count:${start}`);
      const value: HourCount = { key: ctx.timer.key, windowStart: new Date(start).toISOString(), count };
      ctx.emit({
        topic: 'test.counts',
        key: ctx.timer.key,
        value,
        outputId: `count:${ctx.timer.key}:${start}`,
      });
    },
  };
}
