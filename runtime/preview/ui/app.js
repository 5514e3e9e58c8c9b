// tagd preview UI. Everything shown comes from the admin API and may have been sent by
// anyone on the internet, so it is only ever inserted as text (never as HTML).
'use strict';

const state = {
  token: sessionStorage.getItem('tagd-admin-token') || '',
  requests: [],      // summaries, newest first
  capacity: 200,
  selected: '',
  record: null,
  eventIndex: 0,
  clients: new Set(),
  events: new Set(),
};

const $ = (id) => document.getElementById(id);

// el builds an element; children are nodes or strings (always text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === 'testid') e.dataset.testid = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function authHeaders() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

class Unauthorized extends Error {}

async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: { ...authHeaders(), ...(opts.headers || {}) } });
  if (res.status === 401) { showLogin(); throw new Unauthorized('unauthorized'); }
  if (!res.ok) {
    let msg = res.status + ' ' + res.statusText;
    try { msg = (await res.json()).error || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
}

function showLogin(message) {
  $('login').hidden = false;
  $('app').hidden = true;
  $('login-error').textContent = message || (state.token ? 'That token was not accepted.' : '');
  $('token').focus();
}

function ms(ns) {
  const v = ns / 1e6;
  return v < 10 ? v.toFixed(2) + ' ms' : v < 1000 ? v.toFixed(0) + ' ms' : (v / 1000).toFixed(2) + ' s';
}

function clock(t) {
  const d = new Date(t);
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function statusClass(code) { return 'code s' + String(code).charAt(0); }

function pretty(v) {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') {
    const s = v.trim();
    if ((s.startsWith('{') && s.endsWith('}')) || (s.startsWith('[') && s.endsWith(']'))) {
      try { return JSON.stringify(JSON.parse(s), null, 2); } catch (_) { /* as is */ }
    }
    return v;
  }
  return JSON.stringify(v, null, 2);
}

// ---- list ----------------------------------------------------------------------------

function filters() {
  return {
    path: $('f-path').value.trim(),
    client: $('f-client').value.trim().toLowerCase(),
    event: $('f-event').value.trim(),
    status: $('f-status').value,
  };
}

function matches(s, f) {
  if (f.path && !s.path.includes(f.path)) return false;
  if (f.client && (s.client || 'none').toLowerCase() !== f.client) return false;
  if (f.event && !s.events.includes(f.event)) return false;
  if (f.status === 'not_fired') return s.not_fired > 0;
  if (f.status && !(s.tags[f.status] > 0)) return false;
  return true;
}

function rowFor(s, fresh) {
  const badges = Object.entries(s.tags).map(([st, n]) => el('span', { class: 'badge ' + st, title: n + ' tag(s) ' + st }, st + ' ' + n));
  if (s.not_fired) badges.push(el('span', { class: 'badge not_fired', title: 'tags that did not fire' }, 'not fired ' + s.not_fired));
  const li = el('li', {
    class: (s.id === state.selected ? 'selected ' : '') + (fresh ? 'fresh' : ''),
    testid: 'request-row', 'data-id': s.id, 'data-path': s.path,
    on: { click: () => select(s.id) },
  },
  el('div', { class: 'row1' },
    el('span', { class: 'method' }, s.method),
    el('span', { class: 'path', title: s.path }, s.path),
    el('span', { class: statusClass(s.status) }, s.status),
    el('span', { class: 'muted' }, ms(s.duration_ns))),
  el('div', { class: 'row2' },
    el('span', { class: 'muted' }, clock(s.time)),
    el('span', { class: 'chip client' }, s.client || 'unclaimed'),
    s.events.map((e) => el('span', { class: 'chip', testid: 'event-chip' }, e)),
    badges,
    s.outbound ? el('span', { class: 'muted' }, '↗ ' + s.outbound) : null));
  return li;
}

function renderList(freshID) {
  const f = filters();
  const shown = state.requests.filter((s) => matches(s, f));
  $('requests').replaceChildren(...shown.map((s) => rowFor(s, s.id === freshID)));
  const hidden = state.requests.length - shown.length;
  $('list-note').textContent = state.requests.length === 0 ? 'No captured requests yet.'
    : shown.length + ' request' + (shown.length === 1 ? '' : 's') + (hidden ? ' (' + hidden + ' hidden by filters)' : '');
  $('clients-seen').replaceChildren(...[...state.clients].map((c) => el('option', { value: c })));
  $('events-seen').replaceChildren(...[...state.events].map((e) => el('option', { value: e })));
}

function remember(s) {
  if (s.client) state.clients.add(s.client);
  s.events.forEach((e) => state.events.add(e));
}

async function loadList() {
  const data = await api('/api/requests?limit=' + state.capacity);
  state.capacity = data.capture.capacity || state.capacity;
  state.requests = data.requests;
  state.requests.forEach(remember);
  $('capture-all').checked = !!data.capture.capture_all;
  $('capture-all').disabled = !data.capture.enabled;
  renderList();
}

function addSummary(s) {
  if (state.requests.some((r) => r.id === s.id)) return;
  state.requests.unshift(s);
  if (state.requests.length > state.capacity) state.requests.length = state.capacity;
  remember(s);
  renderList(s.id);
}

// ---- live stream (SSE over fetch, so the admin token can travel in a header) ----------

function setLive(on, text) {
  $('live').className = 'live' + (on ? '' : ' off');
  $('live').textContent = text;
}

async function stream() {
  for (;;) {
    try {
      const res = await fetch('/api/requests/stream', { headers: authHeaders(), cache: 'no-store' });
      if (res.status === 401) { showLogin(); return; }
      if (!res.ok || !res.body) throw new Error('stream: ' + res.status);
      setLive(true, 'live');
      await loadList(); // catch up on what arrived while disconnected
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value.replace(/\r\n?/g, '\n');
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          handleEvent(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
        }
      }
    } catch (e) {
      if (e instanceof Unauthorized) return;
    }
    setLive(false, 'reconnecting…');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function handleEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (type !== 'request' || data.length === 0) return;
  try { addSummary(JSON.parse(data.join('\n'))); } catch (_) { /* ignore a bad frame */ }
}

// ---- detail --------------------------------------------------------------------------

async function select(id) {
  state.selected = id;
  state.eventIndex = 0;
  if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
  document.querySelectorAll('#requests li').forEach((li) => li.classList.toggle('selected', li.dataset.id === id));
  try {
    state.record = await api('/api/requests/' + encodeURIComponent(id));
  } catch (e) {
    if (e instanceof Unauthorized) return;
    $('detail').replaceChildren(el('p', { class: 'error' }, String(e.message)));
    return;
  }
  renderDetail();
}

function kvTable(obj, opts = {}) {
  const keys = Object.keys(obj || {}).sort();
  if (keys.length === 0) return el('p', { class: 'muted' }, opts.empty || 'none');
  return el('table', { class: 'kv' }, keys.map((k) => {
    const v = obj[k];
    const text = Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(', ') : (typeof v === 'string' ? v : JSON.stringify(v));
    return el('tr', {}, el('td', {}, k), el('td', { class: 'mono' }, text));
  }));
}

function block(text, testid) {
  return text ? el('pre', { testid }, text) : el('p', { class: 'muted' }, 'empty');
}

function outboundCard(o, attempt) {
  const code = o.error ? el('span', { class: 'badge failure' }, o.error) : el('span', { class: statusClass(o.status) }, o.status);
  return el('details', { class: 'card', testid: 'outbound' },
    el('summary', {},
      el('span', { class: 'method' }, o.method || 'GET'),
      el('span', { class: 'mono', title: o.url }, o.url),
      code,
      el('span', { class: 'muted' }, ms(o.duration_ns)),
      attempt > 1 ? el('span', { class: 'chip' }, 'attempt ' + attempt) : null,
      el('span', { class: 'muted' }, 'from ' + o.source)),
    el('div', { class: 'body' },
      el('div', { class: 'meta' }, el('span', {}, 'started ' + clock(o.start)), el('span', {}, 'took ' + ms(o.duration_ns))),
      el('div', { class: 'sub' }, 'Request headers'), kvTable(o.request_header),
      el('div', { class: 'sub' }, 'Request body'), block(pretty(o.request_body), 'outbound-request-body'),
      el('div', { class: 'sub' }, 'Response headers'), kvTable(o.response_header),
      el('div', { class: 'sub' }, 'Response body'), block(pretty(o.response_body), 'outbound-response-body')));
}

// attempts numbers repeated requests from one source to one URL (retries).
function withAttempts(list) {
  const seen = new Map();
  return list.map((o) => {
    const k = o.source + ' ' + o.method + ' ' + o.url;
    const n = (seen.get(k) || 0) + 1;
    seen.set(k, n);
    return [o, n];
  });
}

function consoleLines(lines) {
  if (lines.length === 0) return el('p', { class: 'muted' }, 'no console output');
  return el('div', {}, lines.map((l) => el('div', { class: 'console-line', testid: 'console-line' },
    el('span', { class: 'src' }, l.source), l.message)));
}

function tagCard(t, rec) {
  const outbound = withAttempts(rec.outbound).filter(([o]) => o.source === t.name);
  const lines = rec.console.filter((l) => l.source === t.name);
  return el('details', { class: 'card', testid: 'tag', 'data-tag': t.name, open: t.status !== 'success' },
    el('summary', {},
      el('span', { class: 'badge ' + t.status }, t.status),
      el('span', { class: 'name' }, t.name),
      t.template ? el('span', { class: 'muted' }, t.template) : null,
      el('span', { class: 'muted' }, ms(t.duration_ns)),
      outbound.length ? el('span', { class: 'chip' }, outbound.length + ' outbound') : null,
      lines.length ? el('span', { class: 'chip' }, lines.length + ' console') : null),
    el('div', { class: 'body' },
      t.error ? el('p', { class: 'error' }, t.error) : null,
      el('div', { class: 'sub' }, 'Outbound requests'),
      outbound.length ? outbound.map(([o, n]) => outboundCard(o, n)) : el('p', { class: 'muted' }, 'none'),
      el('div', { class: 'sub' }, 'Console'), consoleLines(lines),
      el('div', { class: 'sub' }, 'Parameters (resolved)'), block(pretty(t.data), 'tag-data')));
}

function renderEvent(ev, rec) {
  return el('div', { testid: 'event' },
    el('h3', {}, 'Tags fired (' + ev.tags.length + ')'),
    ev.tags.length ? ev.tags.map((t) => tagCard(t, rec)) : el('p', { class: 'muted' }, 'no tag fired'),
    el('h3', {}, 'Tags not fired (' + ev.not_fired.length + ')'),
    ev.not_fired.length ? el('table', { class: 'kv', testid: 'not-fired' }, ev.not_fired.map((n) =>
      el('tr', {}, el('td', {}, n.name), el('td', { class: 'reason' }, n.reason)))) : el('p', { class: 'muted' }, 'none'),
    el('h3', {}, 'Event data'), block(pretty(ev.data), 'event-data'),
    el('h3', {}, 'Variables'), kvTable(ev.variables, { empty: 'no variable was evaluated' }),
    el('p', { class: 'muted small' }, 'event ran ' + ms(ev.duration_ns)));
}

function renderDetail() {
  const rec = state.record;
  if (!rec) return;
  const url = rec.path + (rec.query ? '?' + rec.query : '');
  const idx = Math.min(state.eventIndex, Math.max(rec.events.length - 1, 0));
  const tabs = el('div', { class: 'tabs' }, rec.events.map((ev, i) => el('button', {
    type: 'button', class: i === idx ? 'active' : '', testid: 'event-tab',
    on: { click: () => { state.eventIndex = i; renderDetail(); } },
  }, (i + 1) + '. ' + (ev.name || '(unnamed)'))));
  const tagged = new Set(rec.events.flatMap((e) => e.tags.map((t) => t.name)));
  const otherOutbound = withAttempts(rec.outbound).filter(([o]) => !tagged.has(o.source));
  const otherConsole = rec.console.filter((l) => !tagged.has(l.source));
  const parts = [
    el('h2', { testid: 'detail-title' }, rec.method + ' ' + url),
    el('div', { class: 'meta' },
      el('span', { class: statusClass(rec.status) }, 'HTTP ' + rec.status),
      el('span', {}, ms(rec.duration_ns)),
      el('span', {}, new Date(rec.time).toLocaleString()),
      el('span', { class: 'mono' }, 'request ' + rec.id),
      rec.container_version ? el('span', {}, 'container ' + rec.container_version) : null,
      rec.preview ? el('span', { class: 'chip' }, 'preview header') : null,
      rec.remote_ip ? el('span', {}, 'from ' + rec.remote_ip) : null),
    el('h3', {}, 'Clients'),
    el('table', { class: 'kv', testid: 'clients' }, rec.clients.map((c) => el('tr', {},
      el('td', {}, el('span', { class: 'badge ' + c.verdict }, c.verdict.replace('_', ' '))),
      el('td', {}, el('strong', {}, c.name), ' ', el('span', { class: 'muted' }, (c.type || '') + ' · priority ' + c.priority)),
      el('td', { class: 'reason' }, c.reason || '')))),
    el('h3', {}, 'Events (' + rec.events.length + ')'),
    rec.events.length ? [tabs, renderEvent(rec.events[idx], rec)] : el('p', { class: 'muted' }, 'no event ran'),
    otherOutbound.length ? [el('h3', {}, 'Other outbound requests'), otherOutbound.map(([o, n]) => outboundCard(o, n))] : null,
    otherConsole.length ? [el('h3', {}, 'Other console output'), consoleLines(otherConsole)] : null,
    el('h3', {}, 'Request'),
    el('details', { class: 'card' }, el('summary', {}, 'Headers'), el('div', { class: 'body' }, kvTable(rec.request_header))),
    el('div', { class: 'sub' }, 'Body'), block(pretty(rec.request_body), 'request-body'),
    el('h3', {}, 'Response'),
    el('details', { class: 'card' }, el('summary', {}, 'Headers'), el('div', { class: 'body' }, kvTable(rec.response_header))),
    el('div', { class: 'sub' }, 'Body'), block(pretty(rec.response_body), 'response-body'),
  ];
  $('detail').replaceChildren(...parts.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

// ---- wiring --------------------------------------------------------------------------

async function loadStatus() {
  try {
    const st = await api('/api/status');
    $('container').textContent = (st.container_id || '') + ' · version ' + (st.container_version || '?');
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
  }
}

async function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  try {
    await loadStatus();
    await loadList();
  } catch (e) {
    if (e instanceof Unauthorized) return;
    $('list-note').textContent = String(e.message);
  }
  const id = decodeURIComponent(location.hash.slice(1));
  if (id) select(id);
  stream();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('tagd-admin-token', state.token);
    start();
  });
  for (const id of ['f-path', 'f-client', 'f-event', 'f-status']) $(id).addEventListener('input', () => renderList());
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('capture-all').addEventListener('change', async (e) => {
    try {
      const p = await api('/api/preview', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ capture_all: e.target.checked }) });
      e.target.checked = p.capture_all;
    } catch (err) {
      e.target.checked = !e.target.checked;
      $('list-note').textContent = String(err.message);
    }
  });
  $('clear').addEventListener('click', async () => {
    try { await api('/api/requests', { method: 'DELETE' }); } catch (_) { return; }
    state.requests = [];
    state.record = null;
    renderList();
  });
  start();
});
