/**
 * Planted invalid traffic: click-farm bursts from one /24, crawlers with bot user agents, and scrapers in
 * data-centre ranges. Every event they send is written to the ground truth with its reasons.
 */
import type { InteractionEvent } from '../schema/events.ts';
import { serveAd } from './ads.ts';
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import { BOT_USER_AGENTS, BROWSER_USER_AGENTS, dataCentreIp, isDataCentreIp } from './network.ts';
import type { InvalidReason } from './truth.ts';

/** One burst of a click farm: impressions each clicked within seconds, dozens in a couple of minutes. */
export function clickFarmBurst(ctx: SimulationContext, atMs: number): void {
  const { random, world } = ctx;
  const farm = random.pick(world.clickFarms);
  if (farm === undefined) return;
  const clicks = random.between(15, 45);
  let t = atMs;
  // Counted as they are emitted, so the truth never names events past the end of the stream.
  const burst = { startedAt: isoAt(atMs), events: 0 };
  const bursts = ctx.truth.clickFarmBursts.get(farm.farmId) ?? [];
  bursts.push(burst);
  ctx.truth.clickFarmBursts.set(farm.farmId, bursts);
  for (let n = 0; n < clicks; n += 1) {
    serveAd(ctx, {
      placement: random.chance(0.6) ? 'search' : 'app',
      atMs: t,
      shopper: null,
      deviceId: random.pick(farm.deviceIds),
      ip: `${farm.prefix}.${1 + random.int(254)}`,
      userAgent: farm.userAgent,
      identifiable: false,
      campaignIndex: farm.campaignIndex,
      clickProbability: 0.95,
      clickDelayMs: 300 + random.int(1_500),
      invalid: { reasons: ['click_farm'], source: farm.farmId },
      onEmitted: () => {
        burst.events += 1;
      },
    });
    t += 1_000 + random.int(4_000);
  }
}

/** A crawler with a bot user agent walks product pages and is served impressions (rarely clicks). */
export function botCrawl(ctx: SimulationContext, atMs: number): void {
  const { random, world } = ctx;
  const userAgent = random.pick(BOT_USER_AGENTS);
  const ip = userAgent.includes('Googlebot') ? `66.249.66.${1 + random.int(254)}` : dataCentreIp(random);
  const reasons: InvalidReason[] = isDataCentreIp(ip)
    ? ['bot_user_agent', 'data_centre_ip']
    : ['bot_user_agent'];
  const sessionId = ctx.nextId('ses');
  const pages = random.between(8, 25);
  let t = atMs;
  for (let n = 0; n < pages; n += 1) {
    const product = random.pick(world.catalogue.products);
    const event: InteractionEvent = {
      eventId: ctx.nextId('int'),
      occurredAt: isoAt(t),
      type: 'product_view',
      sessionId,
      sku: product.sku,
      category: product.category,
      ip,
      userAgent,
    };
    ctx.publish('retail.interactions', sessionId, event, t, {
      onEmit: () =>
        ctx.truth.invalidInteractions.push({ eventId: event.eventId, reasons, source: 'bot-crawler' }),
    });
    if (random.chance(0.3)) {
      serveAd(ctx, {
        placement: 'product_page',
        atMs: t + 200,
        shopper: null,
        ip,
        userAgent,
        identifiable: false,
        clickProbability: 0.1,
        invalid: { reasons, source: 'bot-crawler' },
      });
    }
    t += 500 + random.int(3_000);
  }
}

/** A scraper in a data-centre range with a browser's user agent loads ad slots and clicks some. */
export function dataCentreScrape(ctx: SimulationContext, atMs: number): void {
  const { random } = ctx;
  const ip = dataCentreIp(random);
  const userAgent = random.pick(BROWSER_USER_AGENTS);
  const deviceId = `dev-${random.hex(16)}`;
  const slots = random.between(4, 12);
  let t = atMs;
  for (let n = 0; n < slots; n += 1) {
    serveAd(ctx, {
      placement: random.pick(['search', 'home', 'product_page'] as const),
      atMs: t,
      shopper: null,
      deviceId,
      ip,
      userAgent,
      identifiable: false,
      clickProbability: 0.2,
      invalid: { reasons: ['data_centre_ip'], source: 'dc-scraper' },
    });
    t += 2_000 + random.int(10_000);
  }
}
