/**
 * The privacy officer console: sign in with a PRIVACY_OFFICER token, watch the decision log (filters and a
 * live tail), check the audit log (signed tree head, verify now), budgets per partner and consent counts.
 */
import { renderBudgetChart } from './budget-chart.ts';
import type { BudgetRow } from './budget-chart.ts';
import { request, subscribe } from './graphql-client.ts';

interface Decision {
  id: string;
  sequence: number;
  at: string;
  principal: string;
  action: string;
  resource: string;
  effect: string;
  reasons: string[];
  contractVersion: string | null;
}

interface DecisionPage {
  policyDecisions: {
    edges: Array<{ cursor: string; node: Decision }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const DECISION_FIELDS = 'id sequence at principal action resource effect reasons contractVersion';
const TOKEN_KEY = 'cleanroom.console.token';
const PAGE_SIZE = 50;

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the console page has no #${id}`);
  return node as T;
}

let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let stopTail: (() => void) | null = null;
let olderCursor: string | null = null;
let refreshTimer: ReturnType<typeof setInterval> | null = null;

function currentFilter(): Record<string, string> {
  const form = new FormData(byId<HTMLFormElement>('filters'));
  const filter: Record<string, string> = {};
  for (const key of ['principal', 'action', 'effect'] as const) {
    const value = String(form.get(key === 'principal' ? 'principalId' : key) ?? '').trim();
    if (value !== '') filter[key] = value;
  }
  const from = String(form.get('from') ?? '');
  const to = String(form.get('to') ?? '');
  if (from !== '') filter.since = new Date(from).toISOString();
  if (to !== '') filter.until = new Date(to).toISOString();
  return filter;
}

function matchesFilter(decision: Decision, filter: Record<string, string>): boolean {
  if (filter.principal !== undefined && decision.principal !== filter.principal) return false;
  if (filter.action !== undefined && decision.action !== filter.action) return false;
  if (filter.effect !== undefined && decision.effect.toLowerCase() !== filter.effect.toLowerCase())
    return false;
  if (filter.since !== undefined && decision.at < filter.since) return false;
  if (filter.until !== undefined && decision.at > filter.until) return false;
  return true;
}

function decisionRow(decision: Decision, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.sequence = String(decision.sequence);
  row.className = `${decision.effect.toLowerCase() === 'deny' ? 'deny' : 'allow'}${fresh ? ' fresh' : ''}`;
  const cells = [
    String(decision.sequence),
    new Date(decision.at).toLocaleString(),
    decision.principal,
    decision.action,
    decision.resource,
    decision.effect,
    decision.reasons.join('; '),
    shortVersion(decision.contractVersion),
  ];
  for (const text of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.lastElementChild?.setAttribute('title', decision.contractVersion ?? '');
  return row;
}

/** `sha256:0123456789ab…`: enough to tell versions apart; the full hash is in the cell's title. */
function shortVersion(version: string | null): string {
  if (version === null) return '';
  return version.length > 19 ? `${version.slice(0, 19)}…` : version;
}

/** Insert a row keeping the table newest first; a row already shown is not added twice. */
function insertRow(body: HTMLTableSectionElement, decision: Decision, fresh: boolean): void {
  if (body.querySelector(`tr[data-sequence="${decision.sequence}"]`)) return;
  const row = decisionRow(decision, fresh);
  const later = [...body.rows].find((existing) => Number(existing.dataset.sequence) < decision.sequence);
  body.insertBefore(row, later ?? null);
}

async function loadDecisions(append: boolean): Promise<void> {
  const filter = currentFilter();
  const page = await request<DecisionPage>(
    token,
    `query Decisions($filter: DecisionFilter, $first: Int, $after: String) {
      policyDecisions(filter: $filter, first: $first, after: $after) { edges { cursor node { ${DECISION_FIELDS} } } pageInfo { hasNextPage endCursor } }
    }`,
    { filter, first: PAGE_SIZE, after: append ? olderCursor : null },
  );
  const body = byId<HTMLTableSectionElement>('decision-rows');
  if (!append) body.replaceChildren();
  for (const edge of page.policyDecisions.edges) insertRow(body, edge.node, false);
  olderCursor = page.policyDecisions.pageInfo.endCursor;
  byId('load-more').hidden = !page.policyDecisions.pageInfo.hasNextPage;
}

function startTail(): void {
  stopTail?.();
  stopTail = subscribe<{ policyDecisionLogged: Decision }>(
    token,
    `subscription { policyDecisionLogged { ${DECISION_FIELDS} } }`,
    ({ policyDecisionLogged: decision }) => {
      if (!matchesFilter(decision, currentFilter())) return;
      const body = byId<HTMLTableSectionElement>('decision-rows');
      insertRow(body, decision, true);
      while (body.rows.length > 500) body.deleteRow(-1);
    },
    (error) => {
      byId('sign-in-error').textContent = `live tail stopped: ${error.message}`;
    },
  );
}

async function loadAuditState(): Promise<void> {
  const data = await request<{ signedTreeHead: { size: number; rootHash: string; at: string } }>(
    token,
    'query { signedTreeHead { size rootHash signature at } }',
  );
  byId('audit-size').textContent = String(data.signedTreeHead.size);
  byId('audit-sth').textContent =
    `size ${data.signedTreeHead.size} at ${new Date(data.signedTreeHead.at).toLocaleString()}`;
  byId('audit-root').textContent = data.signedTreeHead.rootHash;
}

async function verifyNow(): Promise<void> {
  const result = byId('verify-result');
  result.className = '';
  result.textContent = 'verifying…';
  const data = await request<{
    verifyAuditLog: { valid: boolean; size: number; firstBadSequence: number | null };
  }>(token, 'query { verifyAuditLog { valid size firstBadSequence } }');
  const verification = data.verifyAuditLog;
  byId('audit-size').textContent = String(verification.size);
  result.className = verification.valid ? 'ok' : 'bad';
  result.textContent = verification.valid
    ? `Log verified: ${verification.size} entries, every hash and signed tree head intact.`
    : `Log NOT intact: first bad entry is #${verification.firstBadSequence}.`;
}

async function loadOverview(): Promise<void> {
  const data = await request<{
    privacyBudgets: BudgetRow[];
    consentSummary: { optedOut: number; erased: number; total: number };
  }>(
    token,
    'query { privacyBudgets { partnerId window epsilonLimit epsilonSpent epsilonRemaining } consentSummary { optedOut erased total } }',
  );
  renderBudgetChart(byId('budget-chart'), data.privacyBudgets);
  byId('consent-opted-out').textContent = String(data.consentSummary.optedOut);
  byId('consent-erased').textContent = String(data.consentSummary.erased);
  byId('consent-total').textContent = String(data.consentSummary.total);
}

function showError(error: unknown): void {
  byId('sign-in-error').textContent = error instanceof Error ? error.message : String(error);
}

async function enter(): Promise<void> {
  const me = await request<{ me: { id: string; role: string } }>(token, 'query { me { id role } }');
  if (me.me.role !== 'PRIVACY_OFFICER')
    throw new Error(`${me.me.id} is a ${me.me.role}, not a privacy officer`);
  sessionStorage.setItem(TOKEN_KEY, token);
  byId('whoami').textContent = `signed in as ${me.me.id}`;
  byId('sign-in').hidden = true;
  byId('dashboard').hidden = false;
  byId('sign-out').hidden = false;
  // Tail first, then the first page: a decision made in between shows up once (rows are keyed by sequence).
  if (byId<HTMLInputElement>('live-tail').checked) startTail();
  await Promise.all([loadDecisions(false), loadAuditState(), loadOverview()]);
  refreshTimer = setInterval(
    () => void Promise.all([loadAuditState(), loadOverview()]).catch(showError),
    5000,
  );
}

function signOut(): void {
  stopTail?.();
  stopTail = null;
  if (refreshTimer !== null) clearInterval(refreshTimer);
  sessionStorage.removeItem(TOKEN_KEY);
  token = '';
  byId('dashboard').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-out').hidden = true;
  byId('whoami').textContent = 'signed out';
}

byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  byId('sign-in-error').textContent = '';
  token = byId<HTMLTextAreaElement>('token')
    .value.trim()
    .replace(/^Bearer\s+/i, '');
  enter().catch((error: unknown) => {
    showError(error);
    signOut();
  });
});
byId<HTMLFormElement>('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  loadDecisions(false).catch(showError);
});
byId('load-more').addEventListener('click', () => void loadDecisions(true).catch(showError));
byId('verify-now').addEventListener('click', () => void verifyNow().catch(showError));
byId('sign-out').addEventListener('click', signOut);
byId<HTMLInputElement>('live-tail').addEventListener('change', (event) => {
  if ((event.target as HTMLInputElement).checked) startTail();
  else {
    stopTail?.();
    stopTail = null;
  }
});
if (token !== '') enter().catch(() => signOut());
