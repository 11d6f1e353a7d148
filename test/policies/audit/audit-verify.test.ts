import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditLog,
  generateAuditSigningKey,
  hashChildren,
  hashLeaf,
  openAuditStore,
  verifyAuditStore,
} from '../../../policies/audit/index.ts';
import type { AuditVerification, SignedTreeHead } from '../../../policies/audit/index.ts';
import { makeTempDir, sampleDecision } from './helpers.ts';

const ENTRIES = 35;
let dir: string;
let golden: string;
let publicJwk: JWK;
let copies = 0;
let finalHead: SignedTreeHead;

beforeAll(async () => {
  dir = makeTempDir();
  golden = path.join(dir, 'golden.sqlite');
  const { key } = await generateAuditSigningKey();
  publicJwk = key.publicJwk;
  const log = createAuditLog({ path: golden, signingKey: key, sthEvery: 10, sthIntervalMs: 0 });
  for (let i = 0; i < ENTRIES; i += 1) log.append(sampleDecision(i));
  finalHead = await log.signedTreeHead();
  await log.close();
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Copy the golden log, tamper with the copy through SQL, and verify it. */
async function verifyTampered(tamper: (db: SqliteDatabase) => void): Promise<AuditVerification> {
  copies += 1;
  const file = path.join(dir, `copy-${copies}.sqlite`);
  fs.copyFileSync(golden, file);
  const db = new Database(file);
  tamper(db);
  db.close();
  const store = openAuditStore(file, { readonly: true });
  try {
    return await verifyAuditStore(store, { publicJwk });
  } finally {
    store.close();
    fs.rmSync(file, { force: true });
  }
}

function readEntry(db: SqliteDatabase, sequence: number): { entry: Buffer; leaf_hash: Buffer } {
  return db.prepare('SELECT entry, leaf_hash FROM audit_entries WHERE sequence = ?').get(sequence) as {
    entry: Buffer;
    leaf_hash: Buffer;
  };
}

/** Entry `sequence` says 9 rows instead of 3, its leaf hash rewritten to match (the stored nodes are not). */
function rewriteEntryWithLeafHash(db: SqliteDatabase, sequence: number): void {
  const { entry } = readEntry(db, sequence);
  const changed = Buffer.from(entry.toString('utf8').replace('"rows":3', '"rows":9'));
  db.prepare('UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE sequence = ?').run(
    changed,
    hashLeaf(changed),
    sequence,
  );
}

describe('verify', () => {
  it('accepts the untouched log with all its signed tree heads', async () => {
    const result = await verifyTampered(() => {});
    expect(result).toMatchObject({
      valid: true,
      size: ENTRIES,
      firstBadSequence: null,
      signedSize: ENTRIES,
      treeHeadsChecked: 4,
    });
  });

  it('names the entry when any one byte of any stored entry changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: ENTRIES - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (sequence, position, mask) => {
          const result = await verifyTampered((db) => {
            const { entry } = readEntry(db, sequence);
            const changed = Buffer.from(entry);
            const index = position % changed.length;
            changed[index] = (changed[index] as number) ^ mask;
            db.prepare('UPDATE audit_entries SET entry = ? WHERE sequence = ?').run(changed, sequence);
          });
          expect(result.valid).toBe(false);
          expect(result.firstBadSequence).toBe(sequence);
        },
      ),
      { numRuns: 40, seed: 6962 },
    );
  });

  it.each([0, 7, 20, ENTRIES - 1])('names a deleted entry (%i)', async (sequence) => {
    const result = await verifyTampered((db) => {
      db.prepare('DELETE FROM audit_entries WHERE sequence = ?').run(sequence);
    });
    expect(result.valid).toBe(false);
    expect(result.firstBadSequence).toBe(sequence);
  });

  it.each([
    [3, 4],
    [0, 34],
    [12, 25],
  ])('names the first of two reordered entries (%i, %i)', async (a, b) => {
    const result = await verifyTampered((db) => {
      const first = readEntry(db, a);
      const second = readEntry(db, b);
      const update = db.prepare('UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE sequence = ?');
      update.run(second.entry, second.leaf_hash, a);
      update.run(first.entry, first.leaf_hash, b);
    });
    expect(result.valid).toBe(false);
    expect(result.firstBadSequence).toBe(a);
    expect(result.reason).toMatch(/moved/);
  });

  it.each([0, 15, 30, 34])(
    'detects the log truncated to %i entries through the latest signed size',
    async (keep) => {
      const result = await verifyTampered((db) => {
        db.prepare('DELETE FROM audit_entries WHERE sequence >= ?').run(keep);
      });
      expect(result.valid).toBe(false);
      expect(result.firstBadSequence).toBe(keep);
      expect(result.reason).toMatch(/truncated/);
    },
  );

  it('detects an entry rewritten together with its leaf hash, through the stored Merkle nodes', async () => {
    const result = await verifyTampered((db) => {
      rewriteEntryWithLeafHash(db, 13);
    });
    expect(result.valid).toBe(false);
    expect(result.firstBadSequence).toBe(12);
  });

  it('detects a consistent rewrite of entry, leaf hash and nodes through the signed root', async () => {
    const result = await verifyTampered((db) => {
      rewriteEntryWithLeafHash(db, 13);
      db.prepare('DELETE FROM audit_nodes').run();
      // Re-derive every node from the altered leaves, as an attacker with write access could.
      const leaves = db
        .prepare('SELECT leaf_hash FROM audit_entries ORDER BY sequence')
        .pluck()
        .all() as Buffer[];
      const insert = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
      let level = leaves;
      for (let depth = 1; level.length > 1; depth += 1) {
        const next: Buffer[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) {
          const hash = hashChildren(level[i] as Buffer, level[i + 1] as Buffer);
          insert.run(depth, i / 2, hash);
          next.push(hash);
        }
        level = next;
      }
    });
    expect(result.valid).toBe(false);
    expect(result.firstBadSequence).toBe(10);
    expect(result.reason).toMatch(/\[10, 20\)/);
  });

  it('detects a forged or altered signed tree head', async () => {
    const altered = await verifyTampered((db) => {
      db.prepare('UPDATE audit_tree_heads SET root_hash = ? WHERE size = 20').run(
        Buffer.alloc(32).toString('base64'),
      );
    });
    expect(altered).toMatchObject({ valid: false, firstBadSequence: 10 });
    const forged = await verifyTampered((db) => {
      const row = db.prepare('SELECT signature FROM audit_tree_heads WHERE size = 30').get() as {
        signature: string;
      };
      const [header, payload] = row.signature.split('.');
      db.prepare('UPDATE audit_tree_heads SET signature = ? WHERE size = 30').run(
        `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`,
      );
    });
    expect(forged).toMatchObject({ valid: false, firstBadSequence: 20 });
  });

  it('checks tree heads held outside the database (a truncation that also removed them)', async () => {
    const result = await verifyTampered((db) => {
      db.prepare('DELETE FROM audit_entries WHERE sequence >= 31').run();
      db.prepare('DELETE FROM audit_tree_heads WHERE size > 30').run();
    });
    expect(result.valid).toBe(true);
    copies += 1;
    const file = path.join(dir, `copy-${copies}.sqlite`);
    fs.copyFileSync(golden, file);
    const db = new Database(file);
    db.prepare('DELETE FROM audit_entries WHERE sequence >= 31').run();
    db.prepare('DELETE FROM audit_tree_heads WHERE size > 30').run();
    db.close();
    const store = openAuditStore(file, { readonly: true });
    const withWitness = await verifyAuditStore(store, { publicJwk, trustedTreeHeads: [finalHead] });
    store.close();
    expect(withWitness).toMatchObject({ valid: false, firstBadSequence: 31 });
  });
});
