/**
 * The audience file the partner guide uploads (`examples/audiences/`) is what the demo's world makes: UID2 hashes
 * (Base64 SHA-256 of the normalized email) of the first 600 loyalty members the demo introduces, and of 60 people who
 * never shop there, one a line. Regenerate it with `npx vitest run test/docs/sample-audience.test.ts -u`.
 */
import { describe, expect, it } from 'vitest';
import { hashEmail } from '../../policies/identity/index.ts';
import { createWorld, demoAudience, demoSimulationOptions, demoStart } from '../../simulator/index.ts';

const SAMPLE_AUDIENCE_FILE = 'examples/audiences/fresh-oats-newsletter.uid2.txt';
const MEMBERS = 600;
const STRANGERS = 60;

describe('the sample audience file', () => {
  const { shopperEmails, strangerEmails } = demoAudience({ members: MEMBERS, strangers: STRANGERS });

  it('holds hashes of 600 demo shoppers and 60 strangers, as committed', async () => {
    expect(shopperEmails).toHaveLength(MEMBERS);
    expect(strangerEmails).toHaveLength(STRANGERS);
    // A stranger every eleventh line, so a reader who takes the first lines gets both.
    const hashes: string[] = [];
    let stranger = 0;
    for (const [index, email] of shopperEmails.entries()) {
      hashes.push(hashEmail(email));
      if (index % 10 === 9 && stranger < STRANGERS) hashes.push(hashEmail(strangerEmails[stranger++]!));
    }
    expect(stranger).toBe(STRANGERS);
    for (const hash of hashes) expect(hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(new Set(hashes).size).toBe(MEMBERS + STRANGERS);
    await expect(`${hashes.join('\n')}\n`).toMatchFileSnapshot(`../../${SAMPLE_AUDIENCE_FILE}`);
  });

  it('names no demo shopper among the strangers, and only loyalty members among the shoppers', () => {
    const world = createWorld(demoSimulationOptions({ seed: 1, startMs: demoStart() }));
    const shoppers = new Map(world.shoppers.map((shopper) => [hashEmail(shopper.email), shopper]));
    for (const email of strangerEmails) expect(shoppers.has(hashEmail(email)), email).toBe(false);
    for (const email of shopperEmails) expect(shoppers.get(hashEmail(email))?.loyaltyId).toBeDefined();
  });
});
