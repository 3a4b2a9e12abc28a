// Egg Cluster dashboard: polls status.json every second and history.json every two seconds, and redraws in place
// (the page is never reloaded). Everything shown goes through textContent: nothing from the server is parsed as HTML.
'use strict';
(function () {
  const STATUS_EVERY_MS = 1000;
  const HISTORY_EVERY_MS = 2000;
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777',
    '#4b5563', '#65a30d', '#7c3aed', '#0d9488'];

  const $ = (id) => document.getElementById(id);
  const dash = (v) => (v === null || v === undefined ? '\u2013' : v);

  function duration(ms) {
    if (ms === null || ms === undefined) return '\u2013';
    let s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
    if (h > 0) return h + 'h ' + String(m).padStart(2, '0') + 'm';
    if (m > 0) return m + 'm ' + String(s).padStart(2, '0') + 's';
    return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
  }
  function mib(bytes) {
    return bytes === null || bytes === undefined ? '\u2013' : (bytes / 1048576).toFixed(0) + ' MiB';
  }
  function count(n) {
    return n === null || n === undefined ? '\u2013' : Number(n).toLocaleString('en-US');
  }
  function fixed(n, digits, unit) {
    return n === null || n === undefined ? '\u2013' : Number(n).toFixed(digits) + (unit || '');
  }
  function cssToken(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9-]/g, '');
  }

  // [key, heading, format, text column?]
  const COLUMNS = [
    ['name', 'process', (v) => v, true],
    ['role', 'role', (v) => v, true],
    ['pid', 'pid', (v) => dash(v), false],
    ['state', 'state', (v) => v, true],
    ['uptimeMs', 'uptime', duration, false],
    ['restarts', 'restarts', count, false],
    ['lastExit', 'last exit', (v) => dash(v), true],
    ['rssBytes', 'rss', mib, false],
    ['cpuSeconds', 'cpu', (v) => fixed(v, 1, ' s'), false],
    ['cpuPercent', 'cpu %', (v) => fixed(v, 1, '%'), false],
    ['heapUsedBytes', 'heap', mib, false],
    ['requests', 'requests', count, false],
    ['inFlight', 'in flight', count, false],
    ['messagesSent', 'sent', count, false],
    ['messagesReceived', 'received', count, false],
    ['queueDepth', 'queue', count, false],
    ['lastHeartbeatMsAgo', 'heartbeat', (v) => (v === null || v === undefined ? '\u2013' : fixed(v / 1000, 1, ' s ago')), false],
  ];

  const colours = new Map();
  function colour(name) {
    if (!colours.has(name)) colours.set(name, PALETTE[colours.size % PALETTE.length]);
    return colours.get(name);
  }

  // what the browser test (and a curious operator) can read: how many polls landed, and the last data
  window.eggDashboard = { statusPolls: 0, historyPolls: 0, status: null, history: null };

  function problem(text) {
    const box = $('problem');
    if (text) { box.textContent = text; box.hidden = false; } else { box.hidden = true; box.textContent = ''; }
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) {
      let why = 'HTTP ' + response.status;
      try { const body = await response.json(); if (body && body.error) why += ': ' + body.error; } catch (e) { /* not JSON */ }
      throw new Error(path + ': ' + why);
    }
    return response.json();
  }

  function renderHead() {
    const row = document.querySelector('#processes thead tr');
    for (const [, heading, , text] of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = heading;
      if (text) th.className = 'text';
      row.appendChild(th);
    }
  }

  function renderCluster(status) {
    const c = status.cluster;
    const badge = $('state');
    badge.textContent = c.state;
    badge.className = 'badge state-' + cssToken(c.state);
    $('change').textContent = c.change ? c.change : '';
    $('master-pid').textContent = dash(c.pid);
    $('uptime').textContent = duration(c.uptimeMs);
    $('egg-ready').textContent = c.eggReadyMs === null || c.eggReadyMs === undefined ? 'not yet' :
      'in ' + (c.eggReadyMs / 1000).toFixed(1) + ' s';
    $('workers').textContent = dash(c.workers);
    $('url').textContent = dash(c.url);
    $('base').textContent = dash(c.base);
    const v = c.versions || {};
    const parts = [];
    if (v.eggCluster) parts.push('egg-cluster ' + v.eggCluster);
    if (v.jetty) parts.push('Jetty ' + v.jetty);
    if (v.hazelcast) parts.push('Hazelcast ' + v.hazelcast);
    if (v.java) parts.push('Java ' + v.java);
    $('versions').textContent = parts.length ? parts.join(' \u00b7 ') : '\u2013';
    $('updated').textContent = 'updated ' + new Date(status.timeMs).toLocaleTimeString();
    document.title = 'Egg Cluster \u00b7 ' + c.state;
  }

  const rows = new Map();
  function renderProcesses(processes) {
    const body = document.querySelector('#processes tbody');
    const keep = new Set();
    for (const p of processes) {
      const key = p.name + '|' + p.pid + '|' + p.replacement;
      keep.add(key);
      let tr = rows.get(key);
      if (!tr) {
        tr = document.createElement('tr');
        for (const [k, , , text] of COLUMNS) {
          const td = document.createElement('td');
          td.className = (text ? 'text ' : '') + cssToken(k === 'state' ? 'state' : k);
          tr.appendChild(td);
        }
        rows.set(key, tr);
      }
      tr.dataset.name = p.name;
      tr.dataset.pid = p.pid === null ? '' : String(p.pid);
      tr.dataset.state = p.state;
      tr.className = 'state-' + cssToken(p.state) + (p.replacement ? ' replacement' : '');
      COLUMNS.forEach(([k, , format], i) => {
        const td = tr.children[i];
        const text = String(format(p[k]));
        if (k === 'name') {
          // the name, a swatch of its chart colour, and a tag for a replacement: built from nodes, never HTML
          if (td.dataset.text !== text + p.replacement) {
            td.textContent = '';
            const swatch = document.createElement('span');
            swatch.className = 'swatch';
            swatch.style.background = colour(p.name);
            td.appendChild(swatch);
            td.appendChild(document.createTextNode(text));
            if (p.replacement) {
              const tag = document.createElement('span');
              tag.className = 'tag';
              tag.textContent = 'replacement';
              td.appendChild(tag);
            }
            td.dataset.text = text + p.replacement;
          }
        } else if (td.textContent !== text) {
          td.textContent = text;
        }
      });
      body.appendChild(tr); // moves an existing row into the status's order
    }
    for (const [key, tr] of rows) {
      if (!keep.has(key)) { tr.remove(); rows.delete(key); }
    }
  }

  // ---- charts: canvas, drawn by hand ----
  const CHARTS = [
    { canvas: 'chart-requests', key: 'requestsPerSecond', scale: 1 },
    { canvas: 'chart-messages', key: 'messagesPerSecond', scale: 1 },
    { canvas: 'chart-rss', key: 'rssBytes', scale: 1 / 1048576 },
  ];

  // a round step (1, 2, 2.5 or 5 times a power of ten) and how many of them reach the largest value
  function axis(value) {
    if (!(value > 0)) return { step: 0.25, ticks: 4 };
    const rough = value / 4;
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    let step = 10 * power;
    for (const f of [1, 2, 2.5, 5]) {
      if (rough <= f * power) { step = f * power; break; }
    }
    return { step, ticks: Math.max(1, Math.ceil(value / step - 1e-9)) };
  }

  function drawChart(spec, history) {
    const canvas = $(spec.canvas);
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const left = 46, right = 8, top = 8, bottom = 20;
    const plotW = width - left - right, plotH = height - top - bottom;
    const end = history && history.timeMs ? history.timeMs : Date.now();
    // the time axis spans the data kept (at least a minute, at most the window): a young cluster's lines are not
    // squeezed against the right edge
    const kept = history ? Math.max(history.windowMs, 60000) : 300000;
    let earliest = end;
    for (const p of (history ? history.processes : [])) if (p.timeMs.length) earliest = Math.min(earliest, p.timeMs[0]);
    const windowMs = Math.min(kept, Math.max(60000, Math.ceil((end - earliest) / 60000) * 60000));
    const start = end - windowMs;

    let max = 0;
    const series = [];
    for (const p of (history ? history.processes : [])) {
      const values = p[spec.key].map((v) => (v === null ? null : v * spec.scale));
      if (values.every((v) => v === null)) continue;
      for (const v of values) if (v !== null && v > max) max = v;
      series.push({ name: p.name, times: p.timeMs, values });
    }
    const ax = axis(max * 1.05);
    max = ax.step * ax.ticks;

    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    g.strokeStyle = '#e3e6eb';
    g.fillStyle = '#6b7280';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const whole = (x) => Math.abs(Math.round(x) - x) < 1e-9;
    const decimals = whole(ax.step) ? 0 : (whole(ax.step * 10) ? 1 : 2);
    for (let i = 0; i <= ax.ticks; i++) {
      const y = top + plotH - (plotH * i) / ax.ticks;
      g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + plotW, Math.round(y) + 0.5); g.stroke();
      g.fillText((ax.step * i).toFixed(decimals), left - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const tick = windowMs <= 60000 ? 10000 : (windowMs <= 180000 ? 30000 : 60000);
    for (let t = 0; t <= windowMs; t += tick) {
      const x = left + plotW - (plotW * t) / windowMs;
      const label = t === 0 ? 'now' : '-' + (t % 60000 === 0 ? t / 60000 + 'm' : t / 1000 + 's');
      g.fillText(label, Math.min(Math.max(x, left + 10), left + plotW - 10), top + plotH + 5);
    }

    g.save();
    g.beginPath(); g.rect(left, top - 2, plotW, plotH + 4); g.clip();
    g.lineWidth = 1.8;
    g.lineJoin = 'round';
    for (const s of series) {
      g.strokeStyle = colour(s.name);
      g.fillStyle = colour(s.name);
      g.beginPath();
      let drawing = false, last = null;
      s.values.forEach((v, i) => {
        if (v === null) { drawing = false; return; }
        const x = left + (plotW * (s.times[i] - start)) / windowMs;
        const y = top + plotH - (plotH * v) / max;
        if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
        drawing = true;
        last = [x, y];
      });
      g.stroke();
      if (last) { g.beginPath(); g.arc(last[0], last[1], 2.5, 0, 2 * Math.PI); g.fill(); }
    }
    g.restore();
  }

  function renderLegend(history) {
    const legend = $('legend');
    const names = history ? history.processes.map((p) => p.name) : [];
    if (legend.dataset.names === names.join(',')) return;
    legend.dataset.names = names.join(',');
    legend.textContent = '';
    for (const name of names) {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour(name);
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(name));
      legend.appendChild(li);
    }
  }

  function drawCharts() {
    const history = window.eggDashboard.history;
    // colours in the processes' order (master, agent, workers), whichever chart or poll sees a name first
    if (history) for (const p of history.processes) colour(p.name);
    for (const spec of CHARTS) drawChart(spec, history);
    renderLegend(history);
  }

  async function pollStatus() {
    try {
      const status = await getJson('status.json');
      // the status's order first, so that a process keeps its colour in the table and the charts
      for (const p of status.processes) colour(p.name);
      renderCluster(status);
      renderProcesses(status.processes);
      window.eggDashboard.status = status;
      window.eggDashboard.statusPolls++;
      problem(null);
    } catch (e) {
      problem('Not updating: ' + e.message + ' (retrying every second)');
    } finally {
      setTimeout(pollStatus, STATUS_EVERY_MS);
    }
  }

  async function pollHistory() {
    try {
      window.eggDashboard.history = await getJson('history.json');
      window.eggDashboard.historyPolls++;
      drawCharts();
    } catch (e) {
      // the status poll reports a master that does not answer
    } finally {
      setTimeout(pollHistory, HISTORY_EVERY_MS);
    }
  }

  renderHead();
  drawCharts();
  window.addEventListener('resize', drawCharts);
  pollStatus();
  pollHistory();
})();
