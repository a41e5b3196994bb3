'use strict';

// The status page: polls the API and renders pairs, hosts and the cluster. No framework, no build step.
// Every value from the API is written as text (textContent), never as markup: model and host names come
// from routers, not from us.

const tokenKey = 'keepalive.apiToken';
const pollInterval = 1000;

const view = {
  sort: 'model',
  order: 'asc',
  filter: '',
  offset: 0,
  limit: 50,
  total: 0,
  clockOffset: 0, // server clock minus this browser's clock, so countdowns follow the server
  request: 0, // answers to older requests (before a sort, filter or page change) are dropped
  timer: null,
};

const $ = id => document.getElementById(id);

class Unauthorized extends Error {}

async function api(path) {
  const headers = { Accept: 'application/json' };
  const token = sessionStorage.getItem(tokenKey);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new Error(`${path.split('?')[0]} answered ${response.status}`);
  return response.json();
}

function pairsPath() {
  const query = new URLSearchParams({ sort: view.sort, order: view.order, offset: view.offset, limit: view.limit });
  if (view.filter) query.set('q', view.filter);
  return `/api/providers?${query}`;
}

async function refresh() {
  clearTimeout(view.timer);
  const request = ++view.request;
  try {
    const [pairs, hosts, cluster] = await Promise.all([api(pairsPath()), api('/api/hosts'), api('/api/cluster')]);
    if (request !== view.request) return;
    view.clockOffset = Date.parse(pairs.now) - Date.now();
    showStatus();
    renderPairs(pairs);
    renderHosts(hosts);
    renderCluster(cluster);
    renderMissingNodes([...pairs.unreachable_nodes, ...hosts.unreachable_nodes, ...cluster.unreachable_nodes]);
    setLive(`live · updated ${new Date().toLocaleTimeString()}`, false);
  } catch (error) {
    if (request !== view.request) return;
    if (error instanceof Unauthorized) {
      askForToken();
      return; // nothing more is asked until a token is given
    }
    setLive(`cannot reach the service (${error.message}); retrying`, true);
  }
  view.timer = setTimeout(refresh, pollInterval);
}

function askForToken() {
  const refused = sessionStorage.getItem(tokenKey) !== null;
  sessionStorage.removeItem(tokenKey);
  // Nothing stays readable once the API refuses us.
  for (const table of document.querySelectorAll('main tbody')) table.replaceChildren();
  $('status').hidden = true;
  $('token-refused').hidden = !refused;
  $('token-form').hidden = false;
  $('token').focus();
  setLive('needs the API token', true);
}

function showStatus() {
  $('token-form').hidden = true;
  $('status').hidden = false;
}

function setLive(text, problem) {
  const live = $('live');
  live.textContent = text;
  live.classList.toggle('problem', problem);
}

function cell(row, label, text, className) {
  const td = row.insertCell();
  td.dataset.label = label;
  td.textContent = text ?? '—';
  if (className) td.className = className;
  if (text === null || text === undefined) td.classList.add('none');
  return td;
}

function renderPairs(list) {
  view.total = list.total;
  if (view.offset > 0 && view.offset >= list.total) {
    // The filter or the cluster shrank under the current page: go back to a page that exists.
    view.offset = Math.max(0, Math.floor((list.total - 1) / view.limit) * view.limit);
    setTimeout(refresh, 0);
  }

  const body = $('pairs').tBodies[0];
  const rows = list.providers.map(pair => {
    const row = document.createElement('tr');
    row.dataset.model = pair.model;
    row.dataset.host = pair.host;
    cell(row, 'Model', pair.model, 'model');
    cell(row, 'Host', pair.host, 'host');
    cell(row, 'State', pair.state, `state state-${pair.state}`);
    // Countdown and age are written by tick(), every second.
    const next = cell(row, 'Next ping', pair.next_wake_up ? '' : null, 'next-ping');
    if (pair.next_wake_up) next.dataset.due = pair.next_wake_up;
    const last = cell(row, 'Last ping', pair.last_ping ? '' : null, 'last-ping');
    if (pair.last_ping) {
      const ping = pair.last_ping;
      last.dataset.at = ping.at;
      last.dataset.summary = [ping.outcome, ping.http_status ? `HTTP ${ping.http_status}` : null, `${ping.latency_ms} ms`]
        .filter(Boolean).join(' · ');
      last.classList.add(`outcome-${ping.outcome}`);
      if (ping.failure) last.title = ping.failure;
    }
    cell(row, 'Failures', String(pair.consecutive_failures), pair.consecutive_failures > 0 ? 'failures failing' : 'failures');
    const skip = cell(row, 'Last skip', pair.last_skip, 'last-skip');
    if (pair.reason) skip.title = pair.reason;
    cell(row, 'Node', pair.node, 'node');
    return row;
  });
  body.replaceChildren(...rows);
  $('no-pairs').hidden = rows.length > 0;

  const first = list.total === 0 ? 0 : view.offset + 1;
  const lastShown = Math.min(view.offset + list.providers.length, list.total);
  $('page-range').textContent = `${first}–${lastShown} of ${list.total.toLocaleString('en')}`;
  $('previous-page').disabled = view.offset === 0;
  $('next-page').disabled = view.offset + view.limit >= list.total;
  tick();
}

function renderHosts(list) {
  const rows = list.hosts.map(host => {
    const row = document.createElement('tr');
    row.dataset.host = host.host;
    cell(row, 'Host', host.host, 'host');
    cell(row, 'Occupant', host.occupant, 'occupant');
    cell(row, 'Requests in flight', String(host.requests_in_flight), 'in-flight');
    cell(row, 'Pinging', host.lease_holder, 'lease');
    cell(row, 'Waiting', String(host.waiting), 'waiting');
    cell(row, 'Node', host.node, 'node');
    return row;
  });
  $('hosts').tBodies[0].replaceChildren(...rows);
}

function renderCluster(cluster) {
  const rows = cluster.members.map(member => {
    const row = document.createElement('tr');
    row.dataset.address = member.address;
    const marks = [member.address === cluster.self ? 'this node' : null, member.address === cluster.leader ? 'leader' : null].filter(Boolean);
    cell(row, 'Node', marks.length ? `${member.address} (${marks.join(', ')})` : member.address, 'address');
    cell(row, 'Status', member.status, `member-status member-${member.status}`);
    cell(row, 'Reachable', member.reachable ? 'reachable' : 'unreachable', member.reachable ? 'reachable' : 'reachable unreachable');
    cell(row, 'Pairs', member.pairs === null ? null : String(member.pairs), 'pairs');
    cell(row, 'Roles', member.roles.join(', ') || null, 'roles');
    return row;
  });
  $('cluster').tBodies[0].replaceChildren(...rows);
}

function renderMissingNodes(nodes) {
  const unique = [...new Set(nodes)];
  const warning = $('missing-nodes');
  warning.hidden = unique.length === 0;
  warning.textContent = unique.length === 0 ? '' : `Not answering, so their pairs and hosts are missing below: ${unique.join(', ')}`;
}

function duration(milliseconds) {
  const seconds = Math.round(Math.abs(milliseconds) / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

// Countdowns and ages move every second between polls.
function tick() {
  const now = Date.now() + view.clockOffset;
  for (const next of document.querySelectorAll('#pairs td[data-due]')) {
    const left = Date.parse(next.dataset.due) - now;
    next.textContent = left > 500 ? `in ${duration(left)}` : 'due';
  }
  for (const last of document.querySelectorAll('#pairs td[data-at]')) {
    last.textContent = `${last.dataset.summary} · ${duration(now - Date.parse(last.dataset.at))} ago`;
  }
}

function sortBy(column) {
  if (view.sort === column) view.order = view.order === 'asc' ? 'desc' : 'asc';
  else [view.sort, view.order] = [column, 'asc'];
  for (const th of document.querySelectorAll('#pairs th[data-sort]')) {
    if (th.dataset.sort === view.sort) th.setAttribute('aria-sort', view.order === 'asc' ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
  view.offset = 0;
  refresh();
}

function wire() {
  for (const th of document.querySelectorAll('#pairs th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => sortBy(th.dataset.sort));
  }

  let typing;
  $('filter').addEventListener('input', event => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      view.filter = event.target.value.trim();
      view.offset = 0;
      refresh();
    }, 250);
  });
  $('page-size').addEventListener('change', event => {
    view.limit = Number(event.target.value);
    view.offset = 0;
    refresh();
  });
  $('previous-page').addEventListener('click', () => {
    view.offset = Math.max(0, view.offset - view.limit);
    refresh();
  });
  $('next-page').addEventListener('click', () => {
    if (view.offset + view.limit < view.total) view.offset += view.limit;
    refresh();
  });
  $('token-form').addEventListener('submit', event => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(tokenKey, token);
    $('token').value = '';
    setLive('connecting…', false);
    refresh();
  });
}

async function showBuild() {
  try {
    // /healthz answers without the token and says which build runs.
    const health = await (await fetch('/healthz', { cache: 'no-store' })).json();
    $('build').textContent = `keepalive ${health.version} · commit ${health.commit.slice(0, 12)}`;
  } catch {
    // The footer is a courtesy: the page works without it.
  }
}

wire();
setInterval(tick, 1000);
showBuild();
refresh();
