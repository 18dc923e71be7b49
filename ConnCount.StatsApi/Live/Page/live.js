// ConnCount live page: polls the stats API once a second and the stored history once a minute, and redraws in
// place. No libraries, no CDN.
// Topic and node names come from clients, so they only ever reach the DOM as textContent.
"use strict";

(() => {
  const POLL_MS = 1000;
  const TIMEOUT_MS = 5000;
  const WINDOW_MS = 5 * 60 * 1000;
  const TOP_TOPICS = 10;
  const KEY_STORAGE = "conncount.apiKey";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const CHART_W = 600;
  const CHART_H = 160;
  const HISTORY_MS = 6 * 60 * 60 * 1000;
  const HISTORY_POLL_MS = 60 * 1000;
  const STEP_MS = 60 * 1000;

  const samples = [];
  const byId = id => document.getElementById(id);
  const format = n => Number(n).toLocaleString("en-US");

  // The key arrives once in the fragment, #key=... (never sent to the server, so in no log and no redirect);
  // ?key=... is still read for old links. It moves to this tab's session storage and out of the address bar,
  // so it is not left in bookmarks, screenshots or the browser history.
  const apiKey = (() => {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const query = new URLSearchParams(location.search);
    const given = fragment.get("key") || query.get("key");
    if (given) {
      sessionStorage.setItem(KEY_STORAGE, given);
      fragment.delete("key");
      query.delete("key");
      const search = query.toString();
      const hash = fragment.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + (hash ? "#" + hash : ""));
      return given;
    }
    return sessionStorage.getItem(KEY_STORAGE);
  })();

  function setStatus(text, level) {
    const status = byId("status");
    status.textContent = text;
    status.className = "status" + (level ? " " + level : "");
  }

  function setValue(id, value) {
    const el = byId(id);
    el.textContent = format(value);
    el.dataset.value = String(value);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function fillTable(id, rows) {
    const body = byId(id).tBodies[0];
    body.replaceChildren(...rows.map(cells => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    }));
  }

  function renderNodes(stats) {
    const rows = [
      ...Object.entries(stats.nodes).map(([node, n]) => ({ node, n, missing: false })),
      ...Object.entries(stats.stale || {}).map(([node, n]) => ({ node, n, missing: true })),
    ].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    fillTable("nodes", rows.map(r => [
      cell(r.node),
      statusCell(r),
      cell(format(r.n.total), "num"),
      cell(format(r.n.sockets), "num"),
    ]));
  }

  // A draining node answers gathers but refuses new sockets: "ok" plus a badge, so it stands out from both.
  function statusCell(row) {
    if (row.missing) return cell("missing (last known)", "missing");
    const td = cell("ok");
    if (row.n.draining) {
      const badge = document.createElement("span");
      badge.className = "badge draining";
      badge.textContent = "draining";
      badge.title = "Refusing new sockets until resumed";
      td.append(" ", badge);
      td.classList.add("draining");
    }
    return td;
  }

  function renderTopics(stats) {
    const topics = Object.entries(stats.topics)
      .sort((a, b) => b[1].total - a[1].total || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_TOPICS);
    fillTable("topics", topics.map(([topic, t]) => [
      cell(topic, "topic"),
      cell(format(t.total), "num"),
      cell(String(Object.keys(t.nodes).length)),
    ]));
  }

  // A line through the points; a gap longer than `gapMs` (nothing stored then) starts a new segment.
  function path(points, max, now, field, windowMs = WINDOW_MS, gapMs = Infinity) {
    return points.map((p, i) => {
      const x = CHART_W - ((now - p.at) / windowMs) * CHART_W;
      const y = CHART_H - (p[field] / max) * (CHART_H - 8);
      const move = i === 0 || p.at - points[i - 1].at > gapMs;
      return (move ? "M" : "L") + x.toFixed(1) + " " + y.toFixed(1);
    }).join(" ");
  }

  function svg(name, attributes) {
    const el = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
    return el;
  }

  function renderChart(now) {
    while (samples.length && now - samples[0].at > WINDOW_MS) samples.shift();
    const max = Math.max(1, ...samples.map(p => Math.max(p.connections, p.sockets))) * 1.1;
    const grid = [0.25, 0.5, 0.75].map(f => svg("line", { class: "grid", x1: 0, x2: CHART_W, y1: CHART_H * f, y2: CHART_H * f }));
    byId("chart").replaceChildren(
      ...grid,
      svg("path", { class: "line-sockets", d: path(samples, max, now, "sockets") }),
      svg("path", { class: "line-connections", d: path(samples, max, now, "connections") }));
    byId("chart-max").textContent = "max " + format(Math.round(max / 1.1)) + " · 5 min ago";
  }

  // The stored history, one point a minute: partial minutes are shaded, so a gap in the truth shows as one.
  function renderHistory(series, now) {
    const points = series.points.map(p => ({
      at: Date.parse(p.at), connections: p.memberships, sockets: p.sockets, partial: p.partial,
    }));
    const max = Math.max(1, ...points.map(p => Math.max(p.connections, p.sockets))) * 1.1;
    const width = (STEP_MS / HISTORY_MS) * CHART_W;
    const shades = points.filter(p => p.partial).map(p => svg("rect", {
      class: "partial", x: (CHART_W - ((now - p.at) / HISTORY_MS) * CHART_W).toFixed(1), y: 0, width: width.toFixed(2), height: CHART_H,
    }));
    const grid = [0.25, 0.5, 0.75].map(f => svg("line", { class: "grid", x1: 0, x2: CHART_W, y1: CHART_H * f, y2: CHART_H * f }));
    byId("history").replaceChildren(
      ...grid,
      ...shades,
      svg("path", { class: "line-sockets", d: path(points, max, now, "sockets", HISTORY_MS, 2 * STEP_MS) }),
      svg("path", { class: "line-connections", d: path(points, max, now, "connections", HISTORY_MS, 2 * STEP_MS) }));
    byId("history-max").textContent = "max " + format(Math.round(max / 1.1)) + " · 6 h ago";
    byId("history-note").textContent = points.length ? `${format(points.length)} minute(s) stored` : "no history stored yet";
  }

  async function pollHistory() {
    const headers = apiKey ? { "X-Api-Key": apiKey } : {};
    const now = Date.now();
    const from = new Date(now - HISTORY_MS).toISOString();
    try {
      const response = await fetch(`../api/stats/history?step=1m&from=${encodeURIComponent(from)}`, {
        headers, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS * 3),
      });
      if (response.ok) {
        renderHistory(await response.json(), now);
      } else {
        byId("history-note").textContent = `history unavailable (${response.status})`;
      }
    } catch (error) {
      byId("history-note").textContent = `history unavailable (${error.name})`;
    } finally {
      setTimeout(pollHistory, HISTORY_POLL_MS);
    }
  }

  function render(stats, totalTopics) {
    setValue("total-connections", stats.total_connections);
    setValue("total-sockets", stats.total_sockets);
    setValue("cluster-size", stats.cluster_size);
    setValue("total-topics", totalTopics ?? Object.keys(stats.topics).length);
    renderNodes(stats);
    renderTopics(stats);
    const now = Date.now();
    samples.push({ at: now, connections: stats.total_connections, sockets: stats.total_sockets });
    renderChart(now);

    const time = new Date(stats.gathered_at).toLocaleTimeString();
    if (stats.partial) {
      setStatus(`partial: ${stats.missing_nodes.length} node(s) did not answer · ${time}`, "warn");
    } else {
      setStatus(`updated ${time}`);
    }
  }

  async function poll() {
    const headers = apiKey ? { "X-Api-Key": apiKey } : {};
    try {
      const response = await fetch(`../api/stats?top=${TOP_TOPICS}`, {
        headers, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.status === 401) {
        setStatus(apiKey
          ? "The API key was refused. Open this page as /live/#key=<key> with a configured key."
          : "This API needs a key. Open this page as /live/#key=<key>.", "error");
      } else if (response.status === 503) {
        setStatus("Cluster unavailable (the API cannot reach NATS); retrying…", "warn");
      } else if (!response.ok) {
        setStatus(`The API answered ${response.status}; retrying…`, "warn");
      } else {
        const total = Number(response.headers.get("X-Total-Topics"));
        render(await response.json(), Number.isFinite(total) && response.headers.has("X-Total-Topics") ? total : null);
      }
    } catch (error) {
      setStatus(`Cannot reach the API (${error.name}); retrying…`, "warn");
    } finally {
      // A timeout chain, not setInterval: a slow answer delays the next poll instead of piling them up.
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
  pollHistory();
})();
