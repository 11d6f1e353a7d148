import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditError,
  auditEntryToJSON,
  canonicalJson,
  createAuditLog,
  decodeHash,
  encodeAuditEntry,
  generateAuditSigningKey,
  hashLeaf,
  openAuditLog,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHeadSignature,
} from '../../../policies/audit/index.ts';
import type { AuditEntry, AuditLog, AuditSigningKey } from '../../../policies/audit/index.ts';
import { makeTempDir, sampleDecision, waitFor } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let sharedKey: AuditSigningKey | undefined;
async function signingKey(): Promise<AuditSigningKey> {
  sharedKey ??= (await generateAuditSigningKey()).key;
  return sharedKey;
}

async function newLog(
  options: { sthEvery?: number; sthIntervalMs?: number; now?: () => Date; registry?: Registry } = {},
): Promise<{ log: AuditLog; file: string; dir: string }> {
  const dir = makeTempDir();
  const file = path.join(dir, 'audit.sqlite');
  const log = createAuditLog({ path: file, signingKey: await signingKey(), sthIntervalMs: 0, ...options });
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => log.close());
  return { log, file, dir };
}

describe('append', () => {
  it('assigns contiguous sequences from 0 and stores canonical bytes with sorted keys', async () => {
    const { log, file } = await newLog();
    const entries = [0, 1, 2].map((i) => log.append(sampleDecision(i)));
    expect(entries.map((entry) => entry.sequence)).toEqual([0, 1, 2]);
    expect(log.size()).toBe(3);
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT entry, leaf_hash FROM audit_entries WHERE sequence = 1').get() as {
      entry: Buffer;
      leaf_hash: Buffer;
    };
    db.close();
    const text = row.entry.toString('utf8');
    expect(text.startsWith('{"action":"campaign.report","at":')).toBe(true);
    expect(text).toBe(canonicalJson(JSON.parse(text)));
    expect(text).not.toMatch(/":\s|,\s"/);
    expect(Buffer.from(row.leaf_hash).equals(hashLeaf(row.entry))).toBe(true);
    expect(log.get(1)).toEqual(JSON.parse(text));
    expect(encodeAuditEntry(log.get(1) as AuditEntry).equals(row.entry)).toBe(true);
  });

  it('records every field of DESIGN section 6 and exposes a topic-friendly JSON form', async () => {
    const { log } = await newLog();
    const at = new Date('2026-03-01T10:00:00.000Z');
    const entry = log.append({ ...sampleDecision(0, at), decisionId: 'd-1' });
    expect(entry).toMatchObject({
      sequence: 0,
      decisionId: 'd-1',
      at: '2026-03-01T10:00:00.000Z',
      principal: { id: 'fresh-oats', role: 'BRAND' },
      action: 'segment.size',
      resource: 'segment:s-0',
      effect: 'allow',
      obligations: { thresholdK: 50, noiseEpsilon: 0.5 },
      reasons: ['contract shares the segment'],
      contractVersion: 'sha256-abc123',
      resultSummary: { rows: 3, suppressedRows: 1, epsilonSpent: 0.5 },
    });
    expect(entry.inputDigest).toMatch(/^[0-9a-f]{64}$/);
    const json = auditEntryToJSON(entry);
    expect(json.id).toBe('d-1');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('refuses invalid entries and anything that looks like an email or phone number, logging nothing', async () => {
    const { log } = await newLog();
    expect(() => log.append({ ...sampleDecision(0), inputDigest: 'not-a-digest' })).toThrow(AuditError);
    expect(() => log.append({ ...sampleDecision(0), resource: 'audience:jane@example.com' })).toThrow(
      /email address or phone/,
    );
    expect(() => log.append({ ...sampleDecision(0), reasons: ['call +12345678901'] })).toThrow(
      /email address or phone/,
    );
    expect(() => log.append({ ...sampleDecision(0), obligations: { epsilon: Number.NaN } })).toThrow(
      /finite/,
    );
    expect(log.size()).toBe(0);
    expect(log.append(sampleDecision(1)).sequence).toBe(0);
  });

  it('throws APPEND_FAILED when the write fails, then recovers with the next sequence', async () => {
    const registry = new Registry();
    const { log, file } = await newLog({ registry });
    log.append(sampleDecision(0));
    const saboteur = new Database(file);
    saboteur.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    let thrown: unknown;
    try {
      log.append(sampleDecision(1));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuditError);
    expect((thrown as AuditError).code).toBe('APPEND_FAILED');
    expect((thrown as AuditError).context.sequence).toBe(1);
    saboteur.exec('DROP TRIGGER refuse');
    saboteur.close();
    expect(log.size()).toBe(1);
    expect(log.append(sampleDecision(2)).sequence).toBe(1);
    expect((await log.verify()).valid).toBe(true);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/cleanroom_audit_append_failures_total 1/);
    expect(metrics).toMatch(/cleanroom_audit_appends_total\{effect="allow"\} 1/);
    expect(metrics).toMatch(/cleanroom_audit_appends_total\{effect="deny"\} 1/);
  });

  it('notifies subscribers after each durable append until they unsubscribe', async () => {
    const { log } = await newLog();
    const seen: number[] = [];
    const unsubscribe = log.subscribe((entry) => {
      // The entry is already readable from the store when the listener runs.
      expect(log.get(entry.sequence)?.decisionId).toBe(entry.decisionId);
      seen.push(entry.sequence);
    });
    log.append(sampleDecision(0));
    log.append(sampleDecision(1));
    unsubscribe();
    log.append(sampleDecision(2));
    expect(seen).toEqual([0, 1]);
  });

  it('resumes the same tree after a reopen', async () => {
    const { log, file } = await newLog();
    for (let i = 0; i < 13; i += 1) log.append(sampleDecision(i));
    const root13 = log.rootHash();
    await log.close();
    const reopened = createAuditLog({ path: file, signingKey: await signingKey(), sthIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect(reopened.size()).toBe(13);
    expect(reopened.rootHash()).toBe(root13);
    for (let i = 13; i < 20; i += 1) reopened.append(sampleDecision(i));
    const proof = reopened.consistencyProof(13, 20);
    expect(
      verifyConsistency(
        13,
        20,
        decodeHash(root13),
        decodeHash(proof.toRootHash),
        proof.proof.map(decodeHash),
      ),
    ).toBe(true);
    expect((await reopened.verify()).valid).toBe(true);
  });
});

describe('appendAsync (group commit)', () => {
  it('commits concurrent appends together with contiguous sequences, rejecting only the invalid one', async () => {
    const { log } = await newLog({ sthEvery: 16 });
    const seen: number[] = [];
    log.subscribe((entry) => seen.push(entry.sequence));
    const attempts = Array.from({ length: 40 }, (_, i) =>
      log.appendAsync(i === 7 ? { ...sampleDecision(i), inputDigest: 'bad' } : sampleDecision(i)),
    );
    const settled = await Promise.allSettled(attempts);
    const rejected = settled.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_ENTRY' });
    const sequences = settled.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value.sequence] : [],
    );
    expect(sequences).toEqual(Array.from({ length: 39 }, (_, i) => i));
    expect(seen).toEqual(sequences);
    await log.flush();
    // Tree heads were signed at exactly 16 and 32 even though both sizes were reached inside one group.
    const heads = (await log.verify()).treeHeadsChecked;
    expect(heads).toBe(2);
    expect(log.latestSignedTreeHead()).toMatchObject({ size: 32, rootHash: log.rootHash(32) });
  });

  it('rejects every append of a group whose commit fails, and the next group continues', async () => {
    const { log, file } = await newLog();
    await log.appendAsync(sampleDecision(0));
    const saboteur = new Database(file);
    saboteur.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    const failed = await Promise.allSettled([1, 2, 3].map((i) => log.appendAsync(sampleDecision(i))));
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'APPEND_FAILED' });
    saboteur.exec('DROP TRIGGER refuse');
    saboteur.close();
    const next = await Promise.all([4, 5].map((i) => log.appendAsync(sampleDecision(i))));
    expect(next.map((entry) => entry.sequence)).toEqual([1, 2]);
    expect((await log.verify()).valid).toBe(true);
  });

  it('commits what is queued when the log closes, and refuses appends after', async () => {
    const { log } = await newLog();
    const pending = log.appendAsync(sampleDecision(0));
    await log.close();
    await expect(pending).resolves.toMatchObject({ sequence: 0 });
    await expect(log.appendAsync(sampleDecision(1))).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => log.append(sampleDecision(1))).toThrow(/closed/);
  });
});

describe('queries', () => {
  it('pages through entries with a sequence cursor and filters by principal, action, effect and time', async () => {
    const base = Date.parse('2026-03-01T00:00:00.000Z');
    const { log } = await newLog();
    for (let i = 0; i < 24; i += 1) log.append(sampleDecision(i, new Date(base + i * 60_000)));
    const first = log.list({}, 10);
    expect(first.edges.map((edge) => edge.node.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: '9' });
    const last = log.list({}, 10, '19');
    expect(last.edges.map((edge) => edge.cursor)).toEqual(['20', '21', '22', '23']);
    expect(last.pageInfo.hasNextPage).toBe(false);
    const brand = log.list({ principalId: 'fresh-oats' }, 100);
    expect(brand.edges.map((edge) => edge.node.sequence)).toEqual([0, 4, 8, 12, 16, 20]);
    const denied = log.list({ effect: 'deny', action: 'segment.size' }, 100);
    expect(
      denied.edges.every((edge) => edge.node.effect === 'deny' && edge.node.action === 'segment.size'),
    ).toBe(true);
    expect(denied.edges.length).toBe(4);
    const window = log.list(
      { from: new Date(base + 5 * 60_000), to: new Date(base + 8 * 60_000).toISOString() },
      100,
    );
    expect(window.edges.map((edge) => edge.node.sequence)).toEqual([5, 6, 7]);
    expect(log.get(99)).toBeUndefined();
    expect(() => log.list({}, 10, 'abc')).toThrow(AuditError);
  });
});

describe('proofs and signed tree heads', () => {
  it('signs a tree head every sthEvery entries, verifiable with the public JWK alone', async () => {
    const { log } = await newLog({ sthEvery: 5 });
    for (let i = 0; i < 12; i += 1) log.append(sampleDecision(i));
    await log.flush();
    const latest = log.latestSignedTreeHead();
    expect(latest?.size).toBe(10);
    const head = await verifyTreeHeadSignature(latest?.signature ?? '', log.publicJwk ?? {});
    expect(head).toEqual({ size: 10, rootHash: log.rootHash(10), at: latest?.at });
    const other = (await generateAuditSigningKey()).key;
    expect(await verifyTreeHeadSignature(latest?.signature ?? '', other.publicJwk)).toBeNull();
    const onDemand = await log.signedTreeHead();
    expect(onDemand.size).toBe(12);
    expect(await log.signedTreeHead()).toEqual(onDemand);
    const [protectedHeader] = onDemand.signature.split('.');
    expect(JSON.parse(Buffer.from(protectedHeader ?? '', 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      kid: log.publicJwk?.kid,
    });
  });

  it('signs on the interval when entries arrived since the last tree head', async () => {
    const { log } = await newLog({ sthEvery: 1000, sthIntervalMs: 50 });
    log.append(sampleDecision(0));
    log.append(sampleDecision(1));
    const head = await waitFor(() => log.latestSignedTreeHead());
    expect(head.size).toBe(2);
  });

  it('proves inclusion of every entry and consistency between sizes, checked by the independent verifiers', async () => {
    const { log } = await newLog({ sthEvery: 1000 });
    for (let i = 0; i < 37; i += 1) log.append(sampleDecision(i));
    const sth = await log.signedTreeHead();
    const root = decodeHash(sth.rootHash);
    for (const sequence of [0, 1, 16, 31, 32, 36]) {
      const proof = log.inclusionProof(sequence);
      const leaf = hashLeaf(encodeAuditEntry(log.get(sequence) as AuditEntry));
      expect(proof.leafHash).toBe(leaf.toString('base64'));
      expect(proof.rootHash).toBe(sth.rootHash);
      expect(verifyInclusion(leaf, sequence, 37, proof.auditPath.map(decodeHash), root)).toBe(true);
      expect(verifyInclusion(leaf, sequence === 0 ? 1 : 0, 37, proof.auditPath.map(decodeHash), root)).toBe(
        false,
      );
    }
    const past = log.inclusionProof(3, 10);
    expect(
      verifyInclusion(
        decodeHash(past.leafHash),
        3,
        10,
        past.auditPath.map(decodeHash),
        decodeHash(log.rootHash(10)),
      ),
    ).toBe(true);
    for (const [from, to] of [
      [1, 37],
      [10, 37],
      [16, 32],
      [0, 37],
      [37, 37],
    ] as const) {
      const proof = log.consistencyProof(from, to);
      expect(
        verifyConsistency(
          from,
          to,
          decodeHash(proof.fromRootHash),
          decodeHash(proof.toRootHash),
          proof.proof.map(decodeHash),
        ),
      ).toBe(true);
    }
    expect(() => log.inclusionProof(37)).toThrow(AuditError);
    expect(() => log.consistencyProof(5, 38)).toThrow(AuditError);
  });

  it('opens a data directory with its own signing key, kept owner-only', async () => {
    const dataDir = makeTempDir();
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const log = await openAuditLog({ dataDir, sthIntervalMs: 0 });
    log.append(sampleDecision(0));
    const kid = log.publicJwk?.kid;
    await log.close();
    const keyFile = path.join(dataDir, 'secrets', 'audit-signing.jwk');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(fs.existsSync(path.join(dataDir, 'audit.sqlite'))).toBe(true);
    const again = await openAuditLog({ dataDir, sthIntervalMs: 0 });
    cleanups.push(() => again.close());
    expect(again.publicJwk?.kid).toBe(kid);
    expect(again.publicJwk).not.toHaveProperty('d');
    expect(JSON.stringify({ key: await signingKey() })).not.toContain('"d"');
  });
});
