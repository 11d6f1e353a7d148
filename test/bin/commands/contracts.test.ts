import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'contracts');

function cleanroom(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bin', 'cleanroom.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cleanroom contracts check', () => {
  let dir: string;
  beforeEach(() => {
    dir = createTempDir('contracts-cli');
    for (const name of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, name), join(dir, name));
  });
  afterEach(() => removeTempDir(dir));

  it('passes the sample contracts, one line per file', () => {
    const { status, stdout } = cleanroom('contracts', 'check', 'examples/contracts');
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^ok {4}examples\/contracts\/burger-barn\.yaml {2}QSR burger-barn {2}sha256:[0-9a-f]{12}$/m,
    );
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/fresh-oats\.yaml {2}BRAND fresh-oats/m);
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/sparkle-soda\.yaml {2}BRAND sparkle-soda/m);
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/host\.yaml {2}HOST/m);
    expect(stdout).toContain('3 contract(s) valid, 0 file(s) refused');
  });

  it('exits non-zero naming the file, field and reason of each bad file, and still checks the others', () => {
    writeFileSync(
      join(dir, 'sparkle-soda.yaml'),
      'partnerId: sparkle-soda\nkind: BRAND\npurposes: [measurement]\ngeoGranularity: street\n',
    );
    const { status, stdout } = cleanroom('contracts', 'check', dir);
    expect(status).toBe(1);
    expect(stdout).toContain(`error ${join(dir, 'sparkle-soda.yaml')}: geoGranularity: Invalid option`);
    expect(stdout).toMatch(/^ok .*fresh-oats\.yaml/m);
    expect(stdout).toContain('2 contract(s) valid, 1 file(s) refused');
  });

  it("validates a partner's identity provider, naming the file, field and reason of each problem", () => {
    const provider = (body: string) =>
      `kind: BRAND\npurposes: [measurement]\nidentityProvider:\n  issuer: https://id.example\n${body}`;
    const ed25519 = '{ kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo, kid: k1 }';
    writeFileSync(
      join(dir, 'good-inline.yaml'),
      `partnerId: good-inline\n${provider(`  audience: [cleanroom-gateway, other]\n  keys:\n    - ${ed25519}\n`)}`,
    );
    writeFileSync(
      join(dir, 'good-jwks.yaml'),
      `partnerId: good-jwks\n${provider('  audience: cleanroom-gateway\n  jwksUrl: https://id.example/jwks.json\n')}`,
    );
    writeFileSync(
      join(dir, 'plain-http.yaml'),
      `partnerId: plain-http\n${provider('  audience: cleanroom-gateway\n  jwksUrl: http://id.example/jwks.json\n')}`,
    );
    writeFileSync(
      join(dir, 'both.yaml'),
      `partnerId: both\n${provider(`  audience: cleanroom-gateway\n  jwksUrl: https://id.example/jwks.json\n  keys:\n    - ${ed25519}\n`)}`,
    );
    writeFileSync(
      join(dir, 'private.yaml'),
      `partnerId: private\n${provider('  audience: cleanroom-gateway\n  keys:\n    - { kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo, d: nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A }\n')}`,
    );
    writeFileSync(
      join(dir, 'weak-rsa.yaml'),
      `partnerId: weak-rsa\n${provider(`  audience: cleanroom-gateway\n  keys:\n    - { kty: RSA, alg: RS256, n: ${'A'.repeat(171)}, e: AQAB }\n`)}`,
    );
    writeFileSync(
      join(dir, 'no-audience.yaml'),
      `partnerId: no-audience\n${provider('  jwksUrl: https://id.example/jwks.json\n  scopes: [read]\n')}`,
    );
    const { status, stdout } = cleanroom('contracts', 'check', dir);
    expect(status).toBe(1);
    const error = (file: string, field: string, reason: string) =>
      `error ${join(dir, file)}: ${field}: ${reason}`;
    expect(stdout).toMatch(/^ok .*good-inline\.yaml {2}BRAND good-inline/m);
    expect(stdout).toMatch(/^ok .*good-jwks\.yaml {2}BRAND good-jwks/m);
    expect(stdout).toContain(
      error(
        'plain-http.yaml',
        'identityProvider.jwksUrl',
        'must be an https URL (plain http only for a loopback address)',
      ),
    );
    expect(stdout).toContain(
      error('both.yaml', 'identityProvider.jwksUrl', 'name exactly one of jwksUrl or keys'),
    );
    expect(stdout).toContain(
      error(
        'private.yaml',
        'identityProvider.keys.0.d',
        'a contract holds public keys only: remove the private member "d"',
      ),
    );
    expect(stdout).toContain(
      error('weak-rsa.yaml', 'identityProvider.keys.0.n', 'RSA keys must have at least 2048 bits'),
    );
    expect(stdout).toContain(
      error(
        'no-audience.yaml',
        'identityProvider.audience',
        'must be the audience (a string, or a list of 1 to 10) that its tokens name',
      ),
    );
    expect(stdout).toMatch(
      new RegExp(`error ${join(dir, 'no-audience.yaml')}: identityProvider: Unrecognized key: "scopes"`),
    );
    expect(stdout).toContain('5 contract(s) valid, 5 file(s) refused');
  });

  it('is a usage error without a folder', () => {
    expect(cleanroom('contracts', 'check').status).toBe(2);
    expect(cleanroom('contracts', 'check', join(dir, 'missing')).status).toBe(2);
  });
});
