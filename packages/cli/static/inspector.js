/* global document, window, fetch, sessionStorage, TextDecoder */
// The inspector page: recent events of the collector and their Dest count, live.
// Every value shown comes from untrusted events: it is only ever set with textContent or
// dataset, never parsed as HTML, and the page's Content-Security-Policy allows no inline script.

const $ = (selector) => document.querySelector(selector);
const rows = new Map(); // seq -> { view, tr }
let capacity = 1000;
let selected;
let token = sessionStorage.getItem('sluice-token') ?? '';
let abort;

const headers = () => (token ? { authorization: `Bearer ${token}` } : {});

function setConnection(state, text) {
  const badge = $('#connection');
  badge.dataset.state = state;
  badge.textContent = text;
}

function setStats(stats, shown) {
  if (stats) {
    $('#stat-pending').textContent = stats.pendingEvents.toLocaleString('en');
    $('#stat-bytes').textContent = stats.pendingBytes.toLocaleString('en');
    $('#stat-dead').textContent = stats.deadLetters.toLocaleString('en');
    $('#stat-ready').textContent = stats.ready ? 'yes' : 'no';
  }
  $('#stat-shown').textContent = String(shown ?? rows.size);
}

function cell(tr, className, text) {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  tr.append(td);
  return td;
}

function fillRow(tr, view) {
  tr.replaceChildren();
  tr.dataset.id = view.id;
  tr.dataset.seq = String(view.seq);
  tr.dataset.status = view.status;
  tr.dataset.destination = view.destination;
  tr.dataset.search = `${view.id} ${view.bucket} ${view.prefix} ${view.key ?? ''} ${view.preview}`.toLowerCase();
  cell(tr, 'time', view.time.slice(0, 19).replace('T', ' '));
  cell(tr, 'id', view.id).title = view.id;
  cell(tr, 'destination', view.destination);
  cell(tr, 'route', `${view.bucket}/${view.prefix}`).title = view.preview;
  cell(tr, 'key', view.key ?? '').title = view.key ?? '';
  const status = document.createElement('span');
  status.className = 'status';
  status.dataset.status = view.status;
  status.textContent = view.status === 'dead-letter' ? 'dead letter' : view.status;
  if (view.lastError) status.title = view.lastError;
  const statusCell = cell(tr, 'status-cell', '');
  statusCell.append(status);
  const dest = cell(tr, 'dest', String(view.dest));
  dest.dataset.dest = String(view.dest);
  tr.setAttribute('aria-selected', String(selected === view.id));
  applyFilter(tr);
}

function applyFilter(tr) {
  const destination = $('#filter-destination').value;
  const status = $('#filter-status').value;
  const text = $('#filter-text').value.trim().toLowerCase();
  tr.hidden =
    (destination !== '' && tr.dataset.destination !== destination) ||
    (status !== '' && tr.dataset.status !== status) ||
    (text !== '' && !tr.dataset.search.includes(text));
}

function applyFilters() {
  let shown = 0;
  for (const { tr } of rows.values()) {
    applyFilter(tr);
    if (!tr.hidden) shown += 1;
  }
  setStats(undefined, shown);
}

function addDestinationOption(destination) {
  const select = $('#filter-destination');
  if ([...select.options].some((option) => option.value === destination)) return;
  const option = document.createElement('option');
  option.value = destination;
  option.textContent = destination;
  select.append(option);
}

function upsert(view) {
  const existing = rows.get(view.seq);
  if (existing) {
    existing.view = view;
    fillRow(existing.tr, view);
    return;
  }
  const tr = document.createElement('tr');
  fillRow(tr, view);
  // Newest first: rows arrive in order of acceptance.
  $('#events tbody').prepend(tr);
  rows.set(view.seq, { view, tr });
  addDestinationOption(view.destination);
}

function trim() {
  if (rows.size <= capacity) return;
  const seqs = [...rows.keys()].sort((a, b) => a - b);
  for (const seq of seqs.slice(0, rows.size - capacity)) {
    rows.get(seq).tr.remove();
    rows.delete(seq);
  }
}

function afterChange(stats) {
  trim();
  $('#empty').hidden = rows.size > 0;
  let shown = 0;
  for (const { tr } of rows.values()) if (!tr.hidden) shown += 1;
  setStats(stats, shown);
  if (selected) refreshViewer(false);
}

function onSnapshot({ events, stats, capacity: size }) {
  capacity = size ?? capacity;
  rows.clear();
  $('#events tbody').replaceChildren();
  for (const view of events) upsert(view);
  afterChange(stats);
}

function onChanges({ added, updated, stats }) {
  for (const view of added) upsert(view);
  for (const view of updated) if (rows.has(view.seq)) upsert(view);
  afterChange(stats);
}

// Server-sent events read through fetch, so the bearer token can go in a header (EventSource
// cannot send one); reconnects after a drop and starts again from the snapshot.
async function connect() {
  abort?.abort();
  abort = new AbortController();
  let response;
  try {
    response = await fetch('/v1/inspector/stream', { headers: headers(), signal: abort.signal });
  } catch {
    return reconnect();
  }
  if (response.status === 401) {
    setConnection('unauthorized', 'token needed');
    $('#token-form').hidden = false;
    return undefined;
  }
  if (!response.ok || !response.body) return reconnect();
  $('#token-form').hidden = true;
  setConnection('live', 'live');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch {
    // The connection dropped; reconnect below.
  }
  return reconnect();
}

function dispatch(frame) {
  let event = 'message';
  const data = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return;
  const message = JSON.parse(data.join('\n'));
  if (event === 'snapshot') onSnapshot(message);
  else if (event === 'changes') onChanges(message);
}

function reconnect() {
  setConnection('reconnecting', 'reconnecting…');
  window.setTimeout(connect, 2000);
}

async function refreshViewer(loadPayload) {
  const row = [...rows.values()].find(({ view }) => view.id === selected);
  const meta = $('#viewer-meta');
  meta.replaceChildren();
  const add = (label, value) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    meta.append(dt, dd);
  };
  if (row) {
    const { view } = row;
    add('id', view.id);
    add('accepted', view.time);
    add('destination', view.destination);
    add('bucket', view.bucket);
    add('prefix', view.prefix || '(bucket root)');
    add('status', view.status);
    add('Dest', String(view.dest));
    add('key', view.key ?? '(not delivered yet)');
    if (view.lastError) add('last error', view.lastError);
  }
  if (!loadPayload) return;
  const payload = $('#viewer-payload');
  payload.textContent = 'loading…';
  try {
    const response = await fetch(`/v1/events/${encodeURIComponent(selected)}`, { headers: headers() });
    const body = await response.json();
    payload.textContent = response.ok ? JSON.stringify(body.payload, null, 2) ?? '(none)' : body.message;
  } catch (error) {
    payload.textContent = `Could not load the payload: ${error.message}`;
  }
}

function select(id) {
  selected = id;
  for (const { view, tr } of rows.values()) tr.setAttribute('aria-selected', String(view.id === id));
  $('#viewer').hidden = false;
  refreshViewer(true);
}

$('#events tbody').addEventListener('click', (event) => {
  const tr = event.target.closest('tr');
  if (tr?.dataset.id) select(tr.dataset.id);
});
$('#viewer-close').addEventListener('click', () => {
  selected = undefined;
  $('#viewer').hidden = true;
  for (const { tr } of rows.values()) tr.setAttribute('aria-selected', 'false');
});
$('#filters').addEventListener('input', applyFilters);
$('#filters').addEventListener('submit', (event) => event.preventDefault());
$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('#token').value.trim();
  sessionStorage.setItem('sluice-token', token);
  connect();
});

connect();
