/** The benchmark suites, in the order they run. */
import type { Suite } from '../types.ts';
import { auditSuite } from './audit-suite.ts';
import { biddingSuite } from './bidding/bidding-suite.ts';
import { memoryScaleSuite } from './memory-scale-suite.ts';
import { offersSuite } from './offers/offers-suite.ts';
import { createPipelineSuite } from './pipeline/pipeline-suite.ts';
import { queriesSuite } from './queries/queries-suite.ts';
import { simulatorSuite } from './simulator-suite.ts';
import { subscriptionsSuite } from './subscriptions/subscriptions-suite.ts';

export const SUITES: Suite[] = [
  simulatorSuite,
  auditSuite,
  createPipelineSuite('embedded'),
  createPipelineSuite('kafka'),
  queriesSuite,
  subscriptionsSuite,
  offersSuite,
  memoryScaleSuite,
  biddingSuite,
];
