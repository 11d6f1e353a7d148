/**
 * `cleanroom token` mints development tokens only for principals the gateway would admit: a partner some contract
 * names (in the contracts folder or the data folder's registry) with its contract's kind and no identity provider
 * of its own, or a host principal of the host configuration with its role. Anything else is refused with a clear
 * message, exit code 1, and nothing written.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContractRegistry, loadContracts } from '../../../policies/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'contracts');

function token(dataDir: string, ...args: string[]) {
  const env = { ...process.env };
  delete env['CLEANROOM_CONTRACTS_DIR'];
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bin', 'cleanroom.ts'), 'token', '--data-dir', dataDir, ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cleanroom token', () => {
  let dataDir: string;
  let contractsDir: string;
  beforeEach(() => {
    dataDir = createTempDir('token-cli');
    contractsDir = createTempDir('token-cli-contracts');
    for (const name of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, name), join(contractsDir, name));
  });
  afterEach(() => {
    removeTempDir(dataDir);
    removeTempDir(contractsDir);
  });

  it('mints a token for a partner of the sample contracts and a host principal of the host configuration', () => {
    const partner = token(dataDir, '--partner', 'fresh-oats', '--role', 'BRAND');
    expect(partner.status).toBe(0);
    expect(decodeJwt(partner.stdout.trim())).toMatchObject({ sub: 'fresh-oats', role: 'BRAND' });
    const officer = token(
      dataDir,
      '--partner',
      'dpo',
      '--role',
      'privacy_officer',
      '--contracts',
      contractsDir,
    );
    expect(officer.status).toBe(0);
    expect(decodeJwt(officer.stdout.trim())).toMatchObject({ sub: 'dpo', role: 'PRIVACY_OFFICER' });
  });

  it.each([
    [
      ['--partner', 'brand-nobody', '--role', 'BRAND'],
      /^cleanroom token: no contract names partner 'brand-nobody' \(looked in /,
    ],
    [
      ['--partner', 'burger-barn', '--role', 'BRAND'],
      /partner 'burger-barn' has a QSR contract; its tokens carry role QSR/,
    ],
    [
      ['--partner', 'root', '--role', 'HOST_ADMIN'],
      /'root' is not a host principal in .*host\.yaml \(principals: dpo, host-ops\)/,
    ],
    [
      ['--partner', 'dpo', '--role', 'HOST_ADMIN'],
      /'dpo' is PRIVACY_OFFICER in .*host\.yaml, not HOST_ADMIN/,
    ],
    [
      ['--partner', 'fresh-oats', '--role', 'PRIVACY_OFFICER'],
      /'fresh-oats' is a partner \(BRAND\), not a host principal/,
    ],
  ])('refuses %j with a clear message, exit 1 and nothing written', (args, message) => {
    const result = token(dataDir, ...args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dataDir, 'secrets'))).toBe(false);
  });

  it('refuses a partner whose contract names its own identity provider', () => {
    writeFileSync(
      join(contractsDir, 'oat-partner.yaml'),
      `partnerId: oat-partner
kind: BRAND
purposes: [measurement]
identityProvider:
  issuer: https://id.oat-partner.example
  audience: cleanroom-gateway
  jwksUrl: https://id.oat-partner.example/.well-known/jwks.json
`,
    );
    expect(loadContracts(contractsDir).errors).toEqual([]);
    const result = token(dataDir, '--partner', 'oat-partner', '--role', 'BRAND', '--contracts', contractsDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "partner 'oat-partner' signs in with its own identity provider (issuer https://id.oat-partner.example)",
    );
  });

  it("knows contracts upserted into the data folder's registry", async () => {
    const registry = createContractRegistry(join(dataDir, 'contracts.sqlite'));
    await registry.upsert({ partnerId: 'api-partner', kind: 'QSR', purposes: ['trigger'] }, 'api');
    registry.close();
    const result = token(dataDir, '--partner', 'api-partner', '--role', 'QSR');
    expect(result.status).toBe(0);
    expect(decodeJwt(result.stdout.trim())).toMatchObject({ sub: 'api-partner', role: 'QSR' });
  });

  it('keeps usage errors at exit 2', () => {
    expect(token(dataDir, '--role', 'BRAND').status).toBe(2);
    expect(token(dataDir, '--partner', 'fresh-oats', '--role', 'ROOT').status).toBe(2);
  });
});
