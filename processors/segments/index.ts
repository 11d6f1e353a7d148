/** The segments processor: declarative audience segments over `cleanroom.events`, with consent and erasure. */
export * from './definition.ts';
export * from './evaluate.ts';
export * from './segment-processor.ts';
export * from './errors.ts';
export * from './synthetic-events.ts';
