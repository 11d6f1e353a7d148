/**
 * The privacy officer console: sign in with a PRIVACY_OFFICER token, then read the decision log (newest first,
 * filters, a live tail), see decisions per partner and budget spending as charts, check the audit log (signed tree
 * head, verify now) and consent counts. The console's own periodic reads are decisions too; they are hidden
 * unless the officer asks to see them.
 */
import { renderActivityChart } from './activity-chart.ts';
import type { Activity } from './activity-chart.ts';
import { renderBudgetChart } from './budget-chart.ts';
import type { BudgetRow } from './budget-chart.ts';
import { renderBudgetSpend, spendHistogramRange } from './budget-spend-chart.ts';
import { DECISION_FIELDS, decisionCells, filterFromForm, matchesFilter } from './decisions.ts';
import type { Decision, DecisionFilter } from './decisions.ts';
import { request, subscribe } from './graphql-client.ts';

interface DecisionPage {
  policyDecisions: {
    edges: Array<{ cursor: string; node: Decision }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const TOKEN_KEY = 'cleanroom.console.token';
const PAGE_SIZE = 50;
const MAX_ROWS = 500;
const REFRESH_MS = 15_000;
const ACTIVITY_MINUTES = 60;
const HISTOGRAM_FIELDS =
  'since until bucketSeconds truncated buckets { start principal role effect count epsilonSpent }';

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the console page has no #${id}`);
  return node as T;
}

let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let me = '';
let stopTail: (() => void) | null = null;
let olderCursor: string | null = null;
let refreshTimer: ReturnType<typeof setInterval> | null = null;
/** Bumped on every reload of the table, so the answer to an older request cannot overwrite a newer one. */
let tableGeneration = 0;

function currentFilter(): DecisionFilter {
  const form = new FormData(byId<HTMLFormElement>('filters'));
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) fields[key] = String(value);
  return filterFromForm(fields, byId<HTMLInputElement>('own-reads').checked);
}

/** The audit log size on screen (-1 before the first answer). */
function shownSize(): number {
  const shown = Number(byId('audit-size').textContent);
  return Number.isFinite(shown) ? shown : -1;
}

const timeFormat = (iso: string) => new Date(iso).toLocaleString();

function decisionRow(decision: Decision, fresh: boolean): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.sequence = String(decision.sequence);
  row.className = `${decision.effect.toLowerCase() === 'deny' ? 'deny' : 'allow'}${fresh ? ' fresh' : ''}`;
  for (const cell of decisionCells(decision, timeFormat)) {
    const td = document.createElement('td');
    td.textContent = cell.text;
    td.dataset.column = cell.column;
    if (cell.title) td.title = cell.title;
    if (cell.className) td.className = cell.className;
    row.append(td);
  }
  return row;
}

/** Insert a row keeping the table newest first; a row already shown is not added twice. */
function insertRow(body: HTMLTableSectionElement, decision: Decision, fresh: boolean): void {
  if (body.querySelector(`tr[data-sequence="${decision.sequence}"]`)) return;
  const row = decisionRow(decision, fresh);
  const older = [...body.rows].find((existing) => Number(existing.dataset.sequence) < decision.sequence);
  body.insertBefore(row, older ?? null);
}

function showStatus(hasMore: boolean): void {
  const rows = byId<HTMLTableSectionElement>('decision-rows').rows.length;
  byId('decision-status').textContent =
    rows === 0
      ? hasMore
        ? 'No matching decision among the most recent ones examined; “Load older” looks further back.'
        : 'No decision matches these filters.'
      : `${rows} decision${rows === 1 ? '' : 's'} shown, newest first${hasMore ? '; older ones below' : ''}.`;
}

async function loadDecisions(append: boolean): Promise<void> {
  const generation = append ? tableGeneration : ++tableGeneration;
  const page = await request<DecisionPage>(
    token,
    `query Decisions($filter: DecisionFilter, $first: Int, $after: String) {
      policyDecisions(filter: $filter, first: $first, after: $after, order: NEWEST_FIRST) {
        edges { cursor node { ${DECISION_FIELDS} } } pageInfo { hasNextPage endCursor }
      }
    }`,
    { filter: currentFilter(), first: PAGE_SIZE, after: append ? olderCursor : null },
  );
  if (generation !== tableGeneration) return;
  const body = byId<HTMLTableSectionElement>('decision-rows');
  if (!append) body.replaceChildren();
  for (const edge of page.policyDecisions.edges) insertRow(body, edge.node, false);
  olderCursor = page.policyDecisions.pageInfo.endCursor;
  byId('load-more').hidden = !page.policyDecisions.pageInfo.hasNextPage;
  showStatus(page.policyDecisions.pageInfo.hasNextPage);
}

function startTail(): void {
  stopTail?.();
  stopTail = subscribe<{ policyDecisionLogged: Decision }>(
    token,
    `subscription { policyDecisionLogged { ${DECISION_FIELDS} } }`,
    ({ policyDecisionLogged: decision }) => {
      // Every decision moves the log's size, shown or not.
      const size = byId('audit-size');
      if (decision.sequence + 1 > shownSize()) size.textContent = String(decision.sequence + 1);
      if (!matchesFilter(decision, currentFilter(), me)) return;
      const body = byId<HTMLTableSectionElement>('decision-rows');
      insertRow(body, decision, true);
      while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
      showStatus(!byId('load-more').hidden);
    },
    (error) => {
      byId('dashboard-error').textContent = `live tail stopped: ${error.message}`;
    },
  );
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

/** Everything the dashboard shows besides the table, in one request. */
async function loadOverview(): Promise<void> {
  const now = new Date();
  const first = await request<{
    signedTreeHead: { size: number; rootHash: string; at: string };
    privacyBudgets: BudgetRow[];
    consentSummary: { optedOut: number; erased: number; total: number };
    activity: Activity;
  }>(
    token,
    `query Overview($since: DateTime!) {
      signedTreeHead { size rootHash at }
      privacyBudgets { partnerId window epsilonLimit epsilonSpent epsilonRemaining }
      consentSummary { optedOut erased total }
      activity: decisionHistogram(since: $since, bucketSeconds: 60, excludeOwnReads: true) { ${HISTOGRAM_FIELDS} }
    }`,
    { since: new Date(now.getTime() - ACTIVITY_MINUTES * 60_000).toISOString() },
  );
  const sth = first.signedTreeHead;
  if (sth.size > shownSize()) byId('audit-size').textContent = String(sth.size);
  byId('audit-sth').textContent = `size ${sth.size} at ${new Date(sth.at).toLocaleString()}`;
  byId('audit-root').textContent = sth.rootHash;
  renderBudgetChart(byId('budget-chart'), first.privacyBudgets);
  byId('consent-opted-out').textContent = String(first.consentSummary.optedOut);
  byId('consent-erased').textContent = String(first.consentSummary.erased);
  byId('consent-total').textContent = String(first.consentSummary.total);
  renderActivityChart(byId('activity-chart'), first.activity);
  rememberPrincipals(
    first.privacyBudgets.map((budget) => budget.partnerId),
    first.activity,
  );

  // Budget spending since each partner's window began: a histogram long enough for the longest window.
  const { since, bucketSeconds } = spendHistogramRange(first.privacyBudgets, now);
  const spend = await request<{ spend: Activity }>(
    token,
    `query Spend($since: DateTime!, $bucketSeconds: Int!) {
      spend: decisionHistogram(since: $since, bucketSeconds: $bucketSeconds, excludeOwnReads: true) { ${HISTOGRAM_FIELDS} }
    }`,
    { since: new Date(since).toISOString(), bucketSeconds },
  );
  renderBudgetSpend(byId('budget-spend'), first.privacyBudgets, spend.spend.buckets, now);
}

function rememberPrincipals(partners: string[], activity: Activity): void {
  const list = byId<HTMLDataListElement>('known-principals');
  const known = new Set([...list.options].map((option) => option.value));
  for (const id of [...partners, ...activity.buckets.map((bucket) => bucket.principal)]) {
    if (known.has(id)) continue;
    known.add(id);
    const option = document.createElement('option');
    option.value = id;
    list.append(option);
  }
}

function showError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  byId(byId('dashboard').hidden ? 'sign-in-error' : 'dashboard-error').textContent = message;
}

function refresh(): void {
  loadOverview().then(() => (byId('dashboard-error').textContent = ''), showError);
}

async function enter(): Promise<void> {
  const answer = await request<{ me: { id: string; role: string } }>(token, 'query { me { id role } }');
  if (answer.me.role !== 'PRIVACY_OFFICER')
    throw new Error(`${answer.me.id} is a ${answer.me.role}, not a privacy officer`);
  me = answer.me.id;
  sessionStorage.setItem(TOKEN_KEY, token);
  byId('whoami').textContent = `signed in as ${me}`;
  byId('sign-in').hidden = true;
  byId('dashboard').hidden = false;
  byId('sign-out').hidden = false;
  // Tail first, then the first page: a decision made in between shows up once (rows are keyed by sequence).
  if (byId<HTMLInputElement>('live-tail').checked) startTail();
  await Promise.all([loadDecisions(false), loadOverview()]);
  refreshTimer = setInterval(refresh, REFRESH_MS);
}

function signOut(): void {
  stopTail?.();
  stopTail = null;
  if (refreshTimer !== null) clearInterval(refreshTimer);
  refreshTimer = null;
  sessionStorage.removeItem(TOKEN_KEY);
  token = '';
  me = '';
  tableGeneration += 1;
  for (const id of ['decision-rows', 'activity-chart', 'budget-chart', 'budget-spend'])
    byId(id).replaceChildren();
  for (const id of ['decision-status', 'dashboard-error', 'verify-result']) byId(id).textContent = '';
  byId('dashboard').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-out').hidden = true;
  byId('whoami').textContent = 'signed out';
}

const filters = byId<HTMLFormElement>('filters');
const reloadTable = () => void loadDecisions(false).catch(showError);
byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  byId('sign-in-error').textContent = '';
  token = byId<HTMLTextAreaElement>('token')
    .value.trim()
    .replace(/^Bearer\s+/i, '');
  enter().catch((error: unknown) => {
    signOut();
    showError(error);
  });
});
filters.addEventListener('submit', (event) => {
  event.preventDefault();
  reloadTable();
});
// Choices apply at once; typed fields apply on Enter or "Apply".
filters.addEventListener('change', (event) => {
  const target = event.target as HTMLElement;
  if (target instanceof HTMLSelectElement || target.id === 'own-reads') reloadTable();
});
filters.addEventListener('reset', () =>
  setTimeout(() => {
    // Reset checks "Live tail" again: follow it.
    if (byId<HTMLInputElement>('live-tail').checked && stopTail === null) startTail();
    reloadTable();
  }, 0),
);
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
