/** The campaigns every engine instance reads in full (a small, compacted, broadcast table). */
import type { CampaignInfo } from '../../schema/index.ts';

/** Campaigns by id, latest version wins. */
export interface CampaignDirectory {
  upsert(campaign: CampaignInfo): void;
  get(campaignId: string): CampaignInfo | undefined;
  all(): CampaignInfo[];
}

/** Creates an in-memory campaign directory. */
export function createCampaignDirectory(initial: readonly CampaignInfo[] = []): CampaignDirectory {
  const byId = new Map<string, CampaignInfo>(initial.map((campaign) => [campaign.campaignId, campaign]));
  return {
    upsert: (campaign) => void byId.set(campaign.campaignId, campaign),
    get: (campaignId) => byId.get(campaignId),
    all: () => [...byId.values()],
  };
}
