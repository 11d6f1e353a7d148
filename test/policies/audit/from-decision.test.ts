import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  auditDecisionOf,
  createAuditLog,
  describeResource,
  digestRequest,
} from '../../../policies/audit/index.ts';
import { makeTempDir } from './helpers.ts';

describe('auditDecisionOf', () => {
  it('turns an engine denial into a loggable entry with its deny code and zero results', () => {
    const request = { query: 'segmentSize', segmentId: 'seg-1' };
    const decision = auditDecisionOf({
      principal: { id: 'burger-barn', role: 'QSR' },
      action: 'segment.size',
      resource: { kind: 'segment', id: 'seg-1' },
      decision: {
        effect: 'deny',
        code: 'FORBIDDEN',
        obligations: {},
        reasons: ['QSR may not read segments'],
        contractVersion: 'v1',
      },
      request,
    });
    expect(decision).toMatchObject({
      resource: 'segment:seg-1',
      effect: 'deny',
      code: 'FORBIDDEN',
      reasons: ['QSR may not read segments'],
      inputDigest: digestRequest(request),
      resultSummary: { rows: 0, suppressedRows: 0, epsilonSpent: 0 },
    });
    expect(describeResource({ kind: 'budget' })).toBe('budget');
  });

  it('logs an allowed decision with its obligations, dropping undefined fields from the bytes', async () => {
    const dir = makeTempDir();
    const log = createAuditLog({ path: path.join(dir, 'audit.sqlite'), sthIntervalMs: 0 });
    try {
      const entry = log.append(
        auditDecisionOf({
          principal: { id: 'fresh-oats', role: 'BRAND' },
          action: 'campaign.report',
          resource: { kind: 'campaign', id: 'c-9', ownerPartnerId: 'fresh-oats' },
          decision: {
            effect: 'allow',
            obligations: {
              thresholdK: 50,
              noiseEpsilon: 0.25,
              coarsenGeo: undefined,
              budget: { epsilonLimit: 5, window: 'day' },
            },
            reasons: ['own campaign'],
            contractVersion: 'sha256-1',
          },
          request: { campaignId: 'c-9' },
          resultSummary: { rows: 4, suppressedRows: 2, epsilonSpent: 1 },
        }),
      );
      expect(log.get(entry.sequence)?.obligations).toEqual({
        thresholdK: 50,
        noiseEpsilon: 0.25,
        budget: { epsilonLimit: 5, window: 'day' },
      });
      await expect(log.signedTreeHead()).rejects.toThrow(/no signing key/);
    } finally {
      await log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
