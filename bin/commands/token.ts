/**
 * `cleanroom token --partner ID --role ROLE [--ttl 1h] [--data-dir DIR]`: mint a development token signed with
 * the embedded default's key (`<dataDir>/secrets/`, created on first use). For development only: production
 * deployments verify tokens from their identity provider's JWKS.
 */
import { parseArgs } from 'node:util';
import { ROLES, loadOrCreateDevKeyPair, mintDevToken } from '../../gateway/index.ts';
import type { Role } from '../../gateway/index.ts';

const USAGE =
  'usage: cleanroom token --partner ID --role BRAND|QSR|PRIVACY_OFFICER|HOST_ADMIN [--ttl 1h] [--data-dir DIR]\n';

/** Run `cleanroom token`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        partner: { type: 'string' },
        role: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`cleanroom token: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const role = values.role?.toUpperCase();
  if (values.partner === undefined || values.partner === '' || role === undefined) {
    process.stderr.write(`cleanroom token: --partner and --role are required\n${USAGE}`);
    return 2;
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    process.stderr.write(`cleanroom token: unknown role '${values.role}'\n${USAGE}`);
    return 2;
  }
  if (!/^\d+[smhdw]$/.test(values.ttl)) {
    process.stderr.write(`cleanroom token: --ttl must look like 30m, 1h or 7d\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? process.env['CLEANROOM_DATA_DIR'] ?? './data';
  const pair = await loadOrCreateDevKeyPair(dataDir);
  const token = await mintDevToken(pair, { partnerId: values.partner, role: role as Role, ttl: values.ttl });
  process.stdout.write(`${token}\n`);
  return 0;
}
