import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostConfigSchema, loadContracts, safeParseContractText } from '../../../policies/contracts/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/contracts/', import.meta.url));

describe('loadContracts', () => {
  let dir: string;
  beforeEach(() => {
    dir = createTempDir('contracts');
    for (const name of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, name), join(dir, name));
  });
  afterEach(() => removeTempDir(dir));

  it('loads the sample contracts and host configuration without error', () => {
    const { contracts, host, hostFile, errors } = loadContracts(EXAMPLES);
    expect(errors).toEqual([]);
    expect(contracts.map(({ contract }) => [contract.partnerId, contract.kind])).toEqual([
      ['burger-barn', 'QSR'],
      ['fresh-oats', 'BRAND'],
      ['sparkle-soda', 'BRAND'],
    ]);
    expect(hostFile).toMatch(/host\.yaml$/);
    expect(host.thresholdFloor).toBe(50);
    expect(host.principals).toEqual([
      { id: 'dpo', role: 'PRIVACY_OFFICER' },
      { id: 'host-ops', role: 'HOST_ADMIN' },
    ]);
  });

  it('refuses a bad file with file, field and reason, and still loads the others', () => {
    writeFileSync(
      join(dir, 'sparkle-soda.yaml'),
      'partnerId: sparkle-soda\nkind: BRAND\npurposes: [measurement]\nkThreshold: 10\n',
    );
    writeFileSync(join(dir, 'broken.json'), '{ "partnerId": ');
    writeFileSync(join(dir, 'README.md'), 'not a contract');
    const { contracts, errors } = loadContracts(dir);
    expect(contracts.map(({ contract }) => contract.partnerId)).toEqual(['burger-barn', 'fresh-oats']);
    expect(errors).toEqual([
      {
        file: join(dir, 'broken.json'),
        field: '(file)',
        reason: expect.stringMatching(/^cannot be parsed/),
      },
      {
        file: join(dir, 'sparkle-soda.yaml'),
        field: 'kThreshold',
        reason: 'may only raise the host threshold floor of 50, not lower it to 10',
      },
    ]);
  });

  it('refuses a contract granting a QSR the inventory actions, naming file, field and reason', () => {
    writeFileSync(
      join(dir, 'burger-barn.yaml'),
      'partnerId: burger-barn\nkind: QSR\npurposes: [trigger]\nvisibility:\n  inventory:\n    actions: [stock.status]\n',
    );
    const { contracts, errors } = loadContracts(dir);
    expect(contracts.map(({ contract }) => contract.partnerId)).not.toContain('burger-barn');
    expect(errors).toEqual([
      {
        file: join(dir, 'burger-barn.yaml'),
        field: 'visibility.inventory.actions',
        reason: 'stock status and campaign pauses are for BRAND partners',
      },
    ]);
  });

  it('reads JSON contracts as well as YAML', () => {
    writeFileSync(
      join(dir, 'crunchy-co.json'),
      JSON.stringify({ partnerId: 'crunchy-co', kind: 'BRAND', purposes: ['measurement'] }),
    );
    expect(loadContracts(dir).contracts.map(({ contract }) => contract.partnerId)).toContain('crunchy-co');
  });

  it('refuses a second contract for the same partner', () => {
    copyFileSync(join(dir, 'fresh-oats.yaml'), join(dir, 'fresh-oats-copy.yaml'));
    const { contracts, errors } = loadContracts(dir);
    expect(contracts.filter(({ contract }) => contract.partnerId === 'fresh-oats')).toHaveLength(1);
    expect(errors).toEqual([
      {
        file: join(dir, 'fresh-oats.yaml'),
        field: 'partnerId',
        reason: `'fresh-oats' is already defined in ${join(dir, 'fresh-oats-copy.yaml')}`,
      },
    ]);
  });

  it('applies the host floor from the host file to every contract', () => {
    writeFileSync(join(dir, 'host.yaml'), 'kind: HOST\nthresholdFloor: 75\n');
    const { errors, host } = loadContracts(dir);
    expect(host.thresholdFloor).toBe(75);
    // fresh-oats and burger-barn ask for 50, below the raised floor; sparkle-soda (100) still loads.
    expect(errors.map((problem) => [problem.file.slice(dir.length + 1), problem.field])).toEqual([
      ['burger-barn.yaml', 'kThreshold'],
      ['fresh-oats.yaml', 'kThreshold'],
    ]);
  });

  it('falls back to the default host rules when the host file is invalid, and reports it', () => {
    writeFileSync(join(dir, 'host.yaml'), 'kind: HOST\nthresholdFloor: -5\n');
    const { errors, host, hostFile } = loadContracts(dir);
    expect(hostFile).toBeNull();
    expect(host.thresholdFloor).toBe(50);
    expect(host.principals).toEqual([]);
    expect(errors).toEqual([
      { file: join(dir, 'host.yaml'), field: 'thresholdFloor', reason: expect.any(String) },
    ]);
  });
});

describe('safeParseContractText', () => {
  it('parses YAML or JSON text and validates it against the host rules', () => {
    const yaml = 'partnerId: crunchy-co\nkind: BRAND\npurposes: [measurement]\nkThreshold: 60\n';
    const parsed = safeParseContractText(yaml);
    expect(parsed.ok && parsed.value.contract.partnerId).toBe('crunchy-co');
    const json = JSON.stringify({
      partnerId: 'crunchy-co',
      kind: 'BRAND',
      purposes: ['measurement'],
      kThreshold: 60,
    });
    const fromJson = safeParseContractText(json);
    expect(fromJson.ok && parsed.ok && fromJson.value.version === parsed.value.version).toBe(true);
    const host = hostConfigSchema.parse({ kind: 'HOST', thresholdFloor: 70 });
    const low = safeParseContractText(yaml, { host });
    expect(low.ok ? [] : low.problems.map((problem) => [problem.file, problem.field])).toEqual([
      ['(api)', 'kThreshold'],
    ]);
    const broken = safeParseContractText('partnerId: [unclosed');
    expect(broken.ok ? [] : broken.problems.map((problem) => problem.field)).toEqual(['(file)']);
  });
});
