// Titan Discovery dashboard. Vanilla JS, no dependencies.
//
// Every value that comes from the registry (node ids, addresses, service names, metadata) is
// untrusted text: the DOM is built with createElement + textContent only, never innerHTML.
//
// Data flow: the EventSource opens first; its `hello` triggers a fetch of /api/snapshot; batches
// that arrive meanwhile are buffered and those the snapshot already covers (seq <= snapshot.seq)
// are dropped. Batches carry whole node states, coalesced per node by the server every 100 ms,
// and are applied at most once per animation frame. The instance list is virtualised: only the
// rows in sight exist in the DOM.
'use strict';

(function () {
  const STATUSES = ['UP', 'DRAINING', 'OUT_OF_SERVICE'];
  const ROW = 30;            // px, matches --row in app.css
  const OVERSCAN = 8;
  const LOG_MAX = 150;
  const QUEUE_MAX = 600;     // batches waiting for a frame (a hidden tab): beyond that, start again from a snapshot
  const TOKEN_KEY = 'titan-dashboard-token';

  const $ = (id) => document.getElementById(id);

  const state = {
    nodes: new Map(),        // id -> node
    services: new Map(),     // name -> { name, ids: Set, counts: {UP, DRAINING, OUT_OF_SERVICE} }
    totals: { UP: 0, DRAINING: 0, OUT_OF_SERVICE: 0 },
    version: 0,
    seq: -1,
    loaded: false,
    readOnly: true,
    selected: null,
    skew: 0,                 // Date.now() - server time
    status: null,
  };
  let buffered = [];         // batches received before the snapshot
  let queue = [];            // batches waiting for the next frame
  let frameRequested = false;
  let servicesDirty = true;  // set of services or the search changed: rebuild the list
  const countsDirty = new Set();
  let instancesDirty = true;
  let rowsDirty = true;
  let instances = [];        // the selected service's nodes after the filter, sorted by id
  let lastStatusAt = 0;
  let streamUp = false;

  // Instrumentation read by the browser tests and the measurements in BENCHMARKS.md.
  const metrics = {
    firstRenderMs: null,     // performance.now() when the snapshot was first on screen
    snapshotBytes: 0,
    snapshotFetchMs: 0,      // request to last byte
    snapshotParseMs: 0,
    snapshotRenderMs: 0,     // building the model and the first DOM
    batchesApplied: 0,
    frames: 0,               // animation frames that applied batches
    frameWorkMaxMs: 0,       // the longest of them: our own work, whatever the machine's load
    frameWorkTotalMs: 0,
    seen: new Map(),         // id -> { status, at: Date.now() when applied }
    seenAt(id, status) {
      const s = this.seen.get(id);
      return s && s.status === status ? s.at : null;
    },
  };
  window.__titanDashboard = metrics;

  // ------------------------------------------------------------------ helpers

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function statusClass(s) {
    return STATUSES.includes(s) ? s : 'unknown';
  }

  function age(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    const h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd';
  }

  function clock(t) {
    const d = new Date(t);
    return d.toTimeString().slice(0, 8);
  }

  function versionsOf(node, service) {
    const v = [];
    for (const s of node.services) {
      if (s.name === service) v.push(s.version === undefined ? '–' : s.version);
    }
    return v.join(', ');
  }

  function metadataText(node) {
    const parts = [];
    for (const k of Object.keys(node.metadata || {})) {
      if (k === 'zone' || k === 'weight') continue;
      parts.push(k + '=' + node.metadata[k]);
    }
    return parts.join(' ');
  }

  // ------------------------------------------------------------------ model

  function serviceNames(node) {
    if (node.services.length === 1) return [node.services[0].name];
    const names = new Set();
    for (const s of node.services) names.add(s.name);
    return names;
  }

  function unindex(node) {
    state.totals[node.status] = (state.totals[node.status] || 0) - 1;
    for (const name of serviceNames(node)) {
      const svc = state.services.get(name);
      if (!svc) continue;
      svc.ids.delete(node.id);
      svc.counts[node.status] = (svc.counts[node.status] || 0) - 1;
      if (svc.ids.size === 0) {
        state.services.delete(name);
        servicesDirty = true;
      } else {
        countsDirty.add(name);
      }
      if (name === state.selected) instancesDirty = true;
    }
  }

  function index(node) {
    state.totals[node.status] = (state.totals[node.status] || 0) + 1;
    for (const name of serviceNames(node)) {
      let svc = state.services.get(name);
      if (!svc) {
        svc = { name, ids: new Set(), counts: { UP: 0, DRAINING: 0, OUT_OF_SERVICE: 0 } };
        state.services.set(name, svc);
        servicesDirty = true;
      }
      svc.ids.add(node.id);
      svc.counts[node.status] = (svc.counts[node.status] || 0) + 1;
      countsDirty.add(name);
      if (name === state.selected) instancesDirty = true;
    }
  }

  function upsert(node, now) {
    const old = state.nodes.get(node.id);
    if (old) unindex(old);
    state.nodes.set(node.id, node);
    index(node);
    if (now) metrics.seen.set(node.id, { status: node.status, at: now });
  }

  function remove(id, now) {
    const old = state.nodes.get(id);
    if (!old) return;
    unindex(old);
    state.nodes.delete(id);
    metrics.seen.set(id, { status: 'GONE', at: now });
  }

  function loadSnapshot(snap) {
    state.nodes = new Map();
    state.services = new Map();
    state.totals = { UP: 0, DRAINING: 0, OUT_OF_SERVICE: 0 };
    for (const n of snap.nodes) upsert(n, 0);
    state.seq = snap.seq;
    state.version = snap.version;
    state.readOnly = !!snap.readOnly;
    document.body.classList.toggle('read-only', state.readOnly);
    $('log').replaceChildren();
    addLog(snap.log);
    onStatus(snap.status);
    state.loaded = true;
    servicesDirty = true;
    instancesDirty = true;
    const pending = buffered;
    buffered = [];
    queue = pending.filter((b) => b.seq > state.seq);
    render();
    queue.length && requestFrame();
  }

  function applyBatch(b) {
    if (b.seq <= state.seq) return;
    const now = Date.now();
    for (const n of b.upserts) upsert(n, now);
    for (const id of b.removed) remove(id, now);
    state.seq = b.seq;
    if (b.version > state.version) state.version = b.version;
    addLog(b.log);
    metrics.batchesApplied++;
  }

  // ------------------------------------------------------------------ rendering

  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      const start = performance.now();
      const batches = queue;
      queue = [];
      for (const b of batches) applyBatch(b);
      render();
      const work = performance.now() - start;
      metrics.frames++;
      metrics.frameWorkTotalMs += work;
      if (work > metrics.frameWorkMaxMs) metrics.frameWorkMaxMs = work;
    });
  }

  function render() {
    renderTotals();
    renderServices();
    renderInstances();
    if (metrics.firstRenderMs === null && state.loaded) {
      metrics.firstRenderMs = performance.now();
      document.documentElement.dataset.firstRenderMs = String(Math.round(metrics.firstRenderMs));
      document.documentElement.dataset.ready = 'true';
    }
  }

  function renderTotals() {
    $('total-nodes').textContent = state.nodes.size.toLocaleString('en');
    $('total-services').textContent = state.services.size.toLocaleString('en');
    for (const s of STATUSES) $('total-' + s).textContent = (state.totals[s] || 0).toLocaleString('en');
    $('version').textContent = String(state.version);
  }

  const serviceItems = new Map(); // name -> { li, counts: {status: span} }

  function serviceItem(svc) {
    let item = serviceItems.get(svc.name);
    if (!item) {
      const li = el('li');
      li.dataset.service = svc.name;
      li.appendChild(el('span', 'name', svc.name));
      li.title = svc.name;
      const counts = {};
      for (const s of STATUSES) {
        counts[s] = el('span', 'count ' + s);
        counts[s].title = s;
        li.appendChild(counts[s]);
      }
      li.addEventListener('click', () => select(svc.name));
      item = { li, counts };
      serviceItems.set(svc.name, item);
    }
    return item;
  }

  function fillCounts(item, svc) {
    for (const s of STATUSES) {
      const n = svc.counts[s] || 0;
      item.counts[s].textContent = String(n);
      item.counts[s].classList.toggle('zero', n === 0);
    }
  }

  function renderServices() {
    if (state.selected === null || !state.services.has(state.selected)) {
      const first = [...state.services.keys()].sort()[0];
      if (first !== undefined && state.selected !== first) select(first, true);
      else if (first === undefined && state.selected !== null) { state.selected = null; instancesDirty = true; }
    }
    if (servicesDirty) {
      servicesDirty = false;
      countsDirty.clear();
      const q = $('search').value.trim().toLowerCase();
      const names = [...state.services.keys()].filter((n) => n.toLowerCase().includes(q)).sort();
      const items = [];
      for (const name of names) {
        const svc = state.services.get(name);
        const item = serviceItem(svc);
        fillCounts(item, svc);
        item.li.classList.toggle('selected', name === state.selected);
        items.push(item.li);
      }
      for (const name of [...serviceItems.keys()]) {
        if (!state.services.has(name)) serviceItems.delete(name);
      }
      $('services').replaceChildren(...items);
    } else if (countsDirty.size) {
      for (const name of countsDirty) {
        const svc = state.services.get(name);
        const item = serviceItems.get(name);
        if (svc && item) fillCounts(item, svc);
      }
      countsDirty.clear();
    }
  }

  // fromRender: called while rendering (the selected service vanished), which goes on by itself
  function select(name, fromRender) {
    state.selected = name;
    $('service-title').textContent = name;
    for (const [n, item] of serviceItems) item.li.classList.toggle('selected', n === name);
    instancesDirty = true;
    if (!fromRender) {
      $('viewport').scrollTop = 0;
      render();
    }
  }

  function matchesFilter(node, q) {
    if (!q) return true;
    if (node.id.toLowerCase().includes(q) || node.address.toLowerCase().includes(q)) return true;
    if (node.status.toLowerCase().includes(q)) return true;
    for (const k of Object.keys(node.metadata || {})) {
      if ((k + '=' + node.metadata[k]).toLowerCase().includes(q)) return true;
    }
    return false;
  }

  function renderInstances() {
    if (instancesDirty) {
      instancesDirty = false;
      rowsDirty = true;
      const svc = state.selected === null ? null : state.services.get(state.selected);
      const q = $('instance-filter').value.trim().toLowerCase();
      instances = [];
      if (svc) {
        for (const id of svc.ids) {
          const n = state.nodes.get(id);
          if (n && matchesFilter(n, q)) instances.push(n);
        }
        instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      }
      const total = svc ? svc.ids.size : 0;
      $('instance-count').textContent = instances.length === total
        ? total + ' instances' : instances.length + ' of ' + total + ' instances';
      $('spacer').style.height = instances.length * ROW + 'px';
    }
    if (rowsDirty) {
      rowsDirty = false;
      renderRows();
    }
  }

  const rowPool = [];

  function makeRow() {
    const row = el('div', 'row');
    row.setAttribute('role', 'row');
    const cells = {};
    for (const c of ['id', 'addr', 'ver', 'zone', 'weight', 'status', 'meta', 'age', 'act']) {
      cells[c] = el('span', 'c-' + c);
      row.appendChild(cells[c]);
    }
    cells.badge = el('span', 'badge');
    cells.status.appendChild(cells.badge);
    for (const [action, label] of [['DRAINING', 'Drain'], ['OUT_OF_SERVICE', 'Out'], ['UP', 'Up']]) {
      const b = el('button', 'act-' + action, label);
      b.type = 'button';
      b.dataset.action = action;
      b.title = action === 'OUT_OF_SERVICE' ? 'Take out of service' : action === 'UP' ? 'Back to UP' : 'Drain';
      cells.act.appendChild(b);
    }
    row.addEventListener('click', (e) => {
      const action = e.target instanceof HTMLElement ? e.target.dataset.action : undefined;
      if (action && row.node) askAction(row.node, action);
    });
    return { row, cells };
  }

  function renderRows() {
    const vp = $('viewport');
    const first = Math.max(0, Math.floor(vp.scrollTop / ROW) - OVERSCAN);
    const count = Math.min(instances.length - first, Math.ceil(vp.clientHeight / ROW) + 2 * OVERSCAN);
    while (rowPool.length < count) rowPool.push(makeRow());
    const rows = [];
    for (let i = 0; i < count; i++) {
      const n = instances[first + i];
      const r = rowPool[i];
      fillRow(r, n);
      rows.push(r.row);
    }
    $('rows').style.transform = 'translateY(' + first * ROW + 'px)';
    $('rows').replaceChildren(...rows);
  }

  function fillRow(r, n) {
    r.row.node = n;
    r.row.dataset.nodeId = n.id;
    r.cells.id.textContent = n.id;
    r.cells.id.title = n.id;
    r.cells.addr.textContent = n.address;
    r.cells.addr.title = n.address;
    r.cells.ver.textContent = versionsOf(n, state.selected);
    r.cells.zone.textContent = n.zone === null || n.zone === undefined ? '–' : n.zone;
    r.cells.weight.textContent = String(n.weight);
    r.cells.badge.textContent = n.status;
    r.cells.badge.className = 'badge ' + statusClass(n.status);
    const meta = metadataText(n);
    r.cells.meta.textContent = meta;
    r.cells.meta.title = meta;
    r.cells.age.textContent = age(Date.now() - state.skew - n.timestamp);
    for (const b of r.cells.act.children) b.disabled = b.dataset.action === n.status;
  }

  function tickAges() {
    const now = Date.now() - state.skew;
    for (const r of $('rows').children) {
      if (r.node) r.querySelector('.c-age').textContent = age(now - r.node.timestamp);
    }
  }

  // ------------------------------------------------------------------ event log

  function addLog(entries) {
    if (!entries || entries.length === 0) return;
    const list = $('log');
    const frag = document.createDocumentFragment();
    const oldest = Math.max(0, entries.length - LOG_MAX);
    for (let i = entries.length - 1; i >= oldest; i--) frag.appendChild(logItem(entries[i]));
    list.insertBefore(frag, list.firstChild);
    while (list.children.length > LOG_MAX) list.lastChild.remove();
  }

  function logItem(e) {
    const li = el('li', e.kind === 'OPERATOR' ? 'OPERATOR' : '');
    li.appendChild(el('span', 'time', clock(e.time)));
    if (e.kind === 'SUMMARY') {
      li.appendChild(el('span', 'kind', '+' + e.count + ' more events'));
      return li;
    }
    const kind = { NODE_REGISTERED: 'joined', NODE_UPDATED: 'updated', NODE_DEREGISTERED: 'left', OPERATOR: 'operator' }[e.kind] || e.kind;
    li.appendChild(el('span', 'kind', kind));
    li.appendChild(el('span', 'node', e.nodeId));
    if (e.kind === 'OPERATOR') {
      li.appendChild(el('span', 'change', ' ' + e.from + ' → ' + e.status + (e.remote ? ' (from ' + e.remote + ')' : '')));
      li.appendChild(el('span', 'reason', e.reason ? '“' + e.reason + '”' : '(no reason given)'));
    } else if (e.kind === 'NODE_UPDATED') {
      li.appendChild(el('span', 'change', ' ' + e.status));
    }
    return li;
  }

  // ------------------------------------------------------------------ status and banner

  function onStatus(s) {
    if (!s) return;
    state.status = s;
    lastStatusAt = Date.now();
    state.skew = Date.now() - s.serverTime;
    if (s.version > state.version) state.version = s.version;
    $('version').textContent = String(state.version);
    updateBanner();
  }

  function updateBanner() {
    const s = state.status;
    let text = null;
    let bad = false;
    if (!streamUp) {
      text = 'Connection to the dashboard server lost: reconnecting… (showing the last known state)';
      bad = true;
    } else if (Date.now() - lastStatusAt > 3500) {
      text = 'No word from the dashboard server for ' + age(Date.now() - lastStatusAt) + '.';
      bad = true;
    } else if (s && !s.connected) {
      text = 'Redis is unreachable: showing the last known state; changes appear when the connection is back.';
      bad = true;
    } else if (s && !s.inStep) {
      text = 'The registry view is resynchronising with Redis (a missed event or a reconnect)…';
    }
    const banner = $('banner');
    banner.hidden = text === null;
    banner.classList.toggle('bad', bad);
    if (text !== null) banner.textContent = text;
    const live = $('live');
    live.textContent = streamUp ? 'live' : 'offline';
    live.className = streamUp ? 'live-on' : 'live-off';
  }

  // ------------------------------------------------------------------ stream

  let snapshotRequest = 0;

  async function fetchSnapshot() {
    const mine = ++snapshotRequest;
    state.loaded = false;
    try {
      const t0 = performance.now();
      const res = await fetch('api/snapshot', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const text = await res.text();
      if (mine !== snapshotRequest) return;
      const t1 = performance.now();
      const snap = JSON.parse(text);
      const t2 = performance.now();
      loadSnapshot(snap);
      metrics.snapshotBytes = text.length;
      metrics.snapshotFetchMs = t1 - t0;
      metrics.snapshotParseMs = t2 - t1;
      metrics.snapshotRenderMs = performance.now() - t2;
    } catch (err) {
      if (mine === snapshotRequest) setTimeout(fetchSnapshot, 1000);
    }
  }

  function connect() {
    const es = new EventSource('api/events');
    es.addEventListener('hello', (e) => {
      streamUp = true;
      onStatus(JSON.parse(e.data).status);
      buffered = [];
      queue = [];
      fetchSnapshot(); // after every (re)connect: the snapshot is the truth, batches follow it
    });
    es.addEventListener('batch', (e) => {
      const b = JSON.parse(e.data);
      if (!state.loaded) {
        buffered.push(b);
        return;
      }
      queue.push(b);
      if (queue.length > QUEUE_MAX) {
        queue = [];
        fetchSnapshot();
        return;
      }
      requestFrame();
    });
    es.addEventListener('status', (e) => onStatus(JSON.parse(e.data)));
    es.onerror = () => {
      streamUp = false;
      updateBanner();
    };
  }

  // ------------------------------------------------------------------ actions

  let pendingAction = null;

  function askAction(node, status) {
    if (state.readOnly) return;
    pendingAction = { nodeId: node.id, status };
    const verb = { DRAINING: 'Drain', OUT_OF_SERVICE: 'Take out of service', UP: 'Put back UP' }[status];
    $('confirm-title').textContent = verb + '?';
    $('confirm-text').textContent = verb + ' node ' + node.id + ' (' + node.address + ', now ' + node.status + ').';
    $('reason').value = '';
    $('token').value = '';
    $('token-box').hidden = !!sessionStorage.getItem(TOKEN_KEY);
    $('confirm-error').textContent = '';
    $('confirm-ok').disabled = false;
    $('confirm').showModal();
    $('reason').focus();
  }

  async function confirmAction() {
    if (!pendingAction) return;
    const reason = $('reason').value.trim();
    if (!reason) {
      $('confirm-error').textContent = 'Please give a reason: it goes into the event log.';
      return;
    }
    const token = sessionStorage.getItem(TOKEN_KEY) || $('token').value.trim();
    if (!token) {
      $('token-box').hidden = false;
      $('confirm-error').textContent = 'The token is needed.';
      return;
    }
    $('confirm-ok').disabled = true;
    try {
      const res = await fetch('api/nodes/status', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token },
        body: JSON.stringify({ nodeId: pendingAction.nodeId, status: pendingAction.status, reason }),
      });
      if (res.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        $('token-box').hidden = false;
        $('confirm-error').textContent = 'The token was refused.';
        return;
      }
      if (!res.ok) {
        let msg = 'HTTP ' + res.status;
        try { msg = (await res.json()).error || msg; } catch (ignored) { /* not JSON */ }
        $('confirm-error').textContent = 'Refused: ' + msg;
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      pendingAction = null;
      $('confirm').close();
    } catch (err) {
      $('confirm-error').textContent = 'Failed: ' + err.message;
    } finally {
      $('confirm-ok').disabled = false;
    }
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    $('search').addEventListener('input', () => { servicesDirty = true; render(); });
    $('instance-filter').addEventListener('input', () => { instancesDirty = true; $('viewport').scrollTop = 0; render(); });
    $('viewport').addEventListener('scroll', () => { rowsDirty = true; requestAnimationFrame(renderInstances); }, { passive: true });
    window.addEventListener('resize', () => { rowsDirty = true; render(); });
    $('confirm-ok').addEventListener('click', confirmAction);
    $('confirm-cancel').addEventListener('click', () => { pendingAction = null; $('confirm').close(); });
    setInterval(() => { tickAges(); updateBanner(); }, 1000);
    connect();
  }

  init();
})();
