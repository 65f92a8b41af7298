// kronika's page: a map of clusters, a timeline to brush dates, filters kept in the URL, a list and
// the reports behind an event. Everything from the server is put into the page as text nodes.
(function () {
  "use strict";
  const TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                 "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];
  const QUAD_COLOUR = {"verbal-cooperation": "#43a047", "material-cooperation": "#1e88e5",
                       "verbal-conflict": "#fb8c00", "material-conflict": "#d32f2f"};
  const FIELDS = ["type", "country", "actor", "lang", "text", "since", "until", "undated"];
  const config = JSON.parse(document.getElementById("kronika-config").textContent || "{}");
  const $ = (id) => document.getElementById(id);
  // clusters per request; `?page_size=` in the URL asks for other pages (kept when filters change)
  const PAGE_SIZE = Math.min(1000, Math.max(1, Number(new URLSearchParams(location.search).get("page_size")) || 300));
  let page = 1;
  let total = null;
  let loaded = location.search;  // the filters the list shows (a new #cluster= alone reloads nothing)

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return node;
  }

  // -- filters <-> URL --------------------------------------------------------------------------
  function readFilters() {
    const q = new URLSearchParams(location.search), f = {};
    for (const k of FIELDS) if (q.get(k)) f[k] = q.get(k);
    return f;
  }
  function showFilters(f) {
    for (const k of FIELDS) {
      if (k === "undated") $("f-undated").checked = f.undated === "true"; else $("f-" + k).value = f[k] || "";
    }
  }
  function formFilters() {
    const f = {};
    for (const k of FIELDS) {
      if (k === "undated") { if ($("f-undated").checked) f.undated = "true"; continue; }
      let v = $("f-" + k).value.trim();
      if (k === "country" || k === "lang") v = v.toLowerCase();
      if (k === "country") v = v.toUpperCase();
      if (v) f[k] = v;
    }
    return f;
  }
  function setFilters(f, push) {
    const q = new URLSearchParams(f);
    if (PAGE_SIZE !== 300) q.set("page_size", String(PAGE_SIZE));
    const url = location.pathname + (q.toString() ? "?" + q : "");
    if (push) history.pushState(f, "", url); else history.replaceState(f, "", url);
    loaded = location.search;
    showFilters(f);
    page = 1;
    load(f);
  }

  // -- map --------------------------------------------------------------------------------------
  const map = L.map("map", {worldCopyJump: true, preferCanvas: false, maxZoom: 12}).setView([48, 25], 3);
  if (config.tiles) L.tileLayer(config.tiles, {maxZoom: 12}).addTo(map);
  fetch("/static/vendor/countries-110m.json").then((r) => r.ok ? r.json() : null).then((topo) => {
    if (!topo) return;
    const land = topojson.feature(topo, topo.objects.countries);
    // rings that cross the antimeridian (Russia, Fiji) would be drawn as bands across the map:
    // their longitudes are made continuous; Antarctica, which circles the pole, is left out
    land.features = land.features.filter((f) => f.id !== "010");
    const unwrap = (ring) => {
      for (let i = 1; i < ring.length; i++) {
        while (ring[i][0] - ring[i - 1][0] > 180) ring[i][0] -= 360;
        while (ring[i][0] - ring[i - 1][0] < -180) ring[i][0] += 360;
      }
    };
    for (const f of land.features) {
      const g = f.geometry;
      if (!g) continue;
      const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      for (const polygon of polygons) polygon.forEach(unwrap);
    }
    L.geoJSON(land, {style: {color: "#90a4ae", weight: 0.6, fillColor: "#f1f3ee", fillOpacity: 1},
                     interactive: false}).addTo(map).bringToBack();
  });
  // events close together are drawn as one bubble with their number (the count made as text)
  const markers = L.markerClusterGroup({maxClusterRadius: 36, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
    iconCreateFunction: (group) => {
      const n = group.getChildCount(), size = n < 10 ? 28 : n < 100 ? 34 : 42;
      const div = document.createElement("div");
      div.className = "cluster-icon";
      div.style.width = div.style.height = size + "px";
      div.textContent = String(n);
      return L.divIcon({html: div, className: "cluster-bubble", iconSize: [size, size]});
    }}).addTo(map);
  window.kronikaMarkers = markers;  // for tests: every marker drawn, bubbled or not
  window.kronikaMap = map;
  // keyboard: a bubble takes the focus (Tab) and Enter zooms into it, as a click does
  markers.on("clusterkeypress", (e) => {
    const k = e.originalEvent && e.originalEvent.key;
    if (k === "Enter" || k === " ") e.layer.zoomToBounds({padding: [30, 30]});
  });

  // place names when no tile server draws them: towns by size, the bigger first, none over another
  const labelLayer = L.layerGroup();
  let labels = [];
  if (!config.tiles) {
    map.createPane("labels").style.zIndex = 450;  // over the outlines, under the markers
    map.getPane("labels").style.pointerEvents = "none";
    labelLayer.addTo(map);
    fetch("/api/labels").then((r) => r.ok ? r.json() : []).then((x) => { labels = x; drawLabels(); });
    map.on("zoomend moveend", drawLabels);
  }
  function drawLabels() {
    labelLayer.clearLayers();
    const z = map.getZoom(), bounds = map.getBounds(), taken = [];
    let n = 0;
    for (const [name, lat, lon, from] of labels) {
      if (from > z || !bounds.contains([lat, lon])) continue;
      const p = map.latLngToContainerPoint([lat, lon]);
      const box = [p.x - 3, p.y - 8, p.x + 8 + 6.2 * name.length, p.y + 8];
      if (taken.some((t) => box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3])) continue;
      taken.push(box);
      const span = document.createElement("span");
      span.textContent = name;
      labelLayer.addLayer(L.marker([lat, lon], {pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({html: span, className: "place-label", iconSize: null, iconAnchor: [3, 8]})}));
      if (++n >= 250) break;
    }
  }

  const drawn = new Set();  // clusters with a marker on the map
  function drawMarkers(items, append) {
    if (!append) { markers.clearLayers(); drawn.clear(); }  // "More" adds its markers to those shown
    const add = [];
    for (const c of items) {
      if (c.lat == null || c.lon == null || drawn.has(c.cluster_id)) continue;
      drawn.add(c.cluster_id);
      const broad = c.resolution === "country" || c.resolution === "admin1";
      const m = L.circleMarker([c.lat, c.lon], {radius: 5 + 4 * Math.sqrt(c.n_articles || 1),
        color: QUAD_COLOUR[c.quad] || "#555", weight: broad ? 2 : 1, dashArray: broad ? "4 3" : null,
        fillOpacity: broad ? 0.08 : 0.55, className: "cluster-marker" + (broad ? " broad" : ""),
        cluster: c.cluster_id});
      const where = (c.location || c.country || "") + (broad ? ` (placed at the ${c.resolution === "country" ? "country" : "region"}'s middle)` : "");
      m.bindTooltip(`${c.event_type} · ${where} · ${c.first_date || ""} · ${c.n_articles || 1} articles`);
      m.on("click", () => openCluster(c.cluster_id));
      m.on("add", () => {  // keyboard: each event's circle takes the focus, Enter opens its reports
        const node = m.getElement();
        if (!node || node.hasAttribute("tabindex")) return;
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", `${c.event_type} · ${where} · ${c.first_date || "undated"}`);
        node.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openCluster(c.cluster_id); }
        });
      });
      add.push(m);
    }
    markers.addLayers(add);
    if (!append && add.length) map.fitBounds(markers.getBounds(), {padding: [30, 30], maxZoom: 7});  // fit the results
  }

  // -- list -------------------------------------------------------------------------------------
  function listItem(c, fresh) {
    const who = [c.actor, c.recipient].filter(Boolean).join(" → ");
    const b = el("button", {type: "button", "data-cluster": c.cluster_id},
      el("strong", {}, c.event_type + (c.mode ? "/" + c.mode : "")), " ", who,
      el("div", {class: "meta"}, [c.first_date, c.location || c.country, `${c.n_articles || 1} articles`,
                                  (c.languages || []).join(", ")].filter(Boolean).join(" · ")));
    b.addEventListener("click", () => openCluster(c.cluster_id));
    if (fresh) b.prepend(el("span", {class: "new-badge"}, "new"), " ");
    return el("li", fresh ? {class: "new", "data-cluster": c.cluster_id} : {"data-cluster": c.cluster_id}, b);
  }

  async function load(f) {
    const q = new URLSearchParams({...f, per: "cluster", page: String(page), page_size: String(PAGE_SIZE)});
    $("status").textContent = "Loading…";
    const r = await fetch("/api/events?" + q);
    if (!r.ok) { $("status").textContent = "The server said no: " + r.status; return; }
    const data = await r.json();
    if (page === 1) $("clusters").replaceChildren();
    for (const c of data.items) $("clusters").append(listItem(c));
    $("more").hidden = !data.more;
    drawMarkers(data.items, page > 1);
    if (page === 1) { total = null; opened = null; fresh.clear(); loadTotal(f); loadTimeline(f); exportLinks(f); }
    showCount(data.more);
  }
  function showCount(more) {
    const shown = $("clusters").children.length;
    $("status").dataset.shown = String(shown);
    if (total != null) $("status").dataset.total = String(total);
    $("status").textContent = (total != null ? `${shown} of ${total} events${more ? " (more below)" : ""}`
                                             : `${shown} events${more ? " (more below)" : ""}`) +
                              (fresh.size ? ` · ${fresh.size} new or grown since you opened` : "");
    $("status").dataset.fresh = String(fresh.size);
  }
  function exportLinks(f) {  // the same filters, every row, as the CLI's CSV and GeoJSON
    for (const fmt of ["csv", "geojson"]) $("export-" + fmt).href = "/api/export?" + new URLSearchParams({...f, format: fmt});
  }
  $("copy-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); $("copied").textContent = "copied"; }
    catch (e) { $("copied").textContent = location.href; }  // no clipboard here: the link to copy by hand
  });
  async function loadTotal(f) {
    const r = await fetch("/api/stats?" + new URLSearchParams(f));
    if (!r.ok) return;
    const s = await r.json();
    total = s.clusters;
    if (opened == null) opened = s.as_of;  // the store's clock: what is stored after it is new to this view
    showCount(!$("more").hidden);
  }

  // -- live: clusters that articles stored since the page opened made or grew, marked as new -------
  const LIVE_S = Math.max(2, Number(new URLSearchParams(location.search).get("live")) || 20);
  let opened = null;
  const fresh = new Set();
  async function poll() {
    if (opened == null || document.hidden) return;
    const f = readFilters();
    const r = await fetch("/api/events?" + new URLSearchParams({...f, per: "cluster", page_size: "500",
                                                                added_since: opened}));
    if (!r.ok) return;
    const items = (await r.json()).items.filter((c) => !fresh.has(c.cluster_id));
    if (!items.length) return;
    for (const c of items) {
      fresh.add(c.cluster_id);
      const old = $("clusters").querySelector(`li[data-cluster="${c.cluster_id}"]`);
      const li = listItem(c, true);
      if (old) old.replaceWith(li); else $("clusters").prepend(li);
    }
    drawMarkers(items, true);
    loadTotal(f);
  }
  setInterval(poll, LIVE_S * 1000);

  // -- detail -----------------------------------------------------------------------------------
  function highlighted(m) {
    // the trigger by its offsets; actor, recipient, place and date by their words in the sentence
    const s = m.sentence || "";
    const marks = [];
    if (m.trigger && m.trigger[1] > m.trigger[0]) marks.push([m.trigger[0], m.trigger[1], "trigger"]);
    for (const [text, cls] of [[m.actor, "actor"], [m.recipient, "recipient"], [m.place, "place"], [m.date_text, "date"]]) {
      if (!text) continue;
      const i = s.indexOf(text);
      if (i >= 0 && !marks.some(([a, b]) => i < b && a < i + text.length)) marks.push([i, i + text.length, cls]);
    }
    marks.sort((a, b) => a[0] - b[0]);
    const p = el("p", {class: "sentence"});
    let at = 0;
    for (const [a, b, cls] of marks) {
      p.append(s.slice(at, a), el("mark", {class: cls, title: cls}, s.slice(a, b)));
      at = b;
    }
    p.append(s.slice(at));
    return p;
  }

  async function openCluster(id, push = true) {
    const r = await fetch("/api/clusters/" + encodeURIComponent(id));
    if (!r.ok) return;
    const c = await r.json();
    if (push && location.hash !== "#cluster=" + c.cluster_id) {  // a permalink; the back button closes it
      history.pushState(history.state, "", location.pathname + location.search + "#cluster=" + c.cluster_id);
    }
    const first = (c.mentions[0] || {}).record || {};
    const party = (a) => a && (a.name || a.text || a.code);
    const who = [party(first.actor), party(first.recipient)].filter(Boolean).join(" → ");
    const when = c.first_date ? c.first_date + (c.last_date && c.last_date !== c.first_date ? " – " + c.last_date : "")
                              : "undated";
    $("detail-title").textContent = [c.event_type + (first.mode ? "/" + first.mode : ""), who,
                                     c.location || c.country || "place unknown", when].filter(Boolean).join(" · ");
    $("detail").dataset.cluster = String(c.cluster_id);
    $("detail-meta").textContent = `${c.n_articles} articles · ${c.n_mentions} reports · ${c.languages.join(", ")}`;
    const ol = $("mentions");
    ol.replaceChildren();
    for (const m of c.mentions) {
      const meta = [m.outlet || m.doc_id, m.article_date, m.record.language,
                    m.source ? "according to " + m.source : null].filter(Boolean).join(" · ");
      const read = el("button", {type: "button", class: "read", "data-article": m.article_id}, "Read the article");
      read.addEventListener("click", () => openArticle(m.article_id, m.event_id));
      const li = el("li", {class: "mention"}, highlighted(m), el("div", {class: "meta"}, meta), read);
      if (m.title) li.prepend(el("div", {class: "meta"}, m.title));
      ol.append(li);
    }
    $("cluster-view").hidden = false;
    $("article-view").hidden = true;
    $("detail").hidden = false;
    $("detail").focus();
  }

  // an article's whole text with every span kronika found in it, the chosen event's outlined
  async function openArticle(id, eventId, push = true) {
    const r = await fetch("/api/articles/" + encodeURIComponent(id));
    if (!r.ok) return;
    const a = await r.json();
    if (push && location.hash !== "#article=" + a.article_id) {
      history.pushState(history.state, "", location.pathname + location.search + "#article=" + a.article_id);
    }
    $("article-title").textContent = a.title || a.doc_id;
    const meta = $("article-meta");
    meta.replaceChildren([a.outlet, a.date, a.lang].filter(Boolean).join(" · "));
    if (a.url && /^https?:\/\//i.test(a.url)) {
      meta.append(" · ", el("a", {href: a.url, rel: "noopener noreferrer nofollow", target: "_blank"}, a.url));
    }
    const marks = [];
    for (const s of a.spans) {
      for (const p of s.parts || []) {
        if (!marks.some((m) => p.start < m.end && m.start < p.end)) marks.push({...p, event: s.event_id, type: s.event_type});
      }
    }
    marks.sort((x, y) => x.start - y.start);
    const text = $("article-text");
    text.replaceChildren();
    let at = 0;
    for (const m of marks) {
      text.append(a.text.slice(at, m.start));
      const mark = el("mark", {class: m.role + (m.event === eventId ? " current" : ""), title: `${m.role} · ${m.type}`,
                               "data-role": m.role}, a.text.slice(m.start, m.end));
      text.append(mark);
      at = m.end;
    }
    text.append(a.text.slice(at));
    $("detail").dataset.article = String(a.article_id);
    $("cluster-view").hidden = true;
    $("article-view").hidden = false;
    $("detail").hidden = false;
    const current = text.querySelector("mark.current");
    if (current) current.scrollIntoView({block: "center"});
  }
  $("article-back").addEventListener("click", () => history.back());
  function closeCluster() {
    $("detail").hidden = true;
    if (location.hash) history.pushState(history.state, "", location.pathname + location.search);
  }
  function clusterInUrl() {
    const m = /^#cluster=(\d+)$/.exec(location.hash);
    return m ? m[1] : null;
  }
  function articleInUrl() {
    const m = /^#article=(\d+)$/.exec(location.hash);
    return m ? m[1] : null;
  }
  $("detail-close").addEventListener("click", closeCluster);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("detail").hidden) closeCluster(); });

  // -- timeline: a time axis (empty days are gaps), events per day or week stacked by quad class,
  // dated ticks, a count of undated events; drag to choose dates -----------------------------------
  const DAY = 86400000;
  const QUAD_ORDER = ["verbal-cooperation", "material-cooperation", "verbal-conflict", "material-conflict"];
  let axis = null;  // {t0, t1, step, x0, x1}: the dates the timeline spans and where they are drawn
  let stacks = [];
  async function loadTimeline(f) {
    const q = new URLSearchParams({...f});
    q.delete("since"); q.delete("until"); q.delete("undated");  // the timeline shows the dates around the choice
    const r = await fetch("/api/stats?" + q);
    if (!r.ok) return;
    const s = await r.json();
    const undated = s.by_day.filter((d) => !d.key).reduce((n, d) => n + d.events, 0);
    const vague = s.by_day.filter((d) => d.key && !/^\d{4}-\d{2}-\d{2}$/.test(d.key)).reduce((n, d) => n + d.events, 0);
    const note = $("undated");
    note.replaceChildren();
    note.dataset.undated = String(undated);
    if (undated) {
      const list = el("button", {type: "button", id: "list-undated"}, "list them");
      list.addEventListener("click", () => {
        const f = formFilters();
        delete f.since; delete f.until;
        setFilters({...f, undated: "true"}, true);
      });
      note.append(`${undated} undated events not on the timeline: `, list);
    }
    if (vague) note.append(`${undated ? "; " : ""}${vague} dated only to a month or year`);
    const byDay = new Map();
    for (const d of s.by_day_type || []) {
      if (!d.key || !/^\d{4}-\d{2}-\d{2}$/.test(d.key)) continue;
      const quad = (config.quads || {})[d.type] || "other";
      const row = byDay.get(d.key) || {};
      row[quad] = (row[quad] || 0) + d.events;
      byDay.set(d.key, row);
    }
    stacks = [...byDay.entries()].map(([key, row]) => ({key, t: Date.parse(key + "T00:00:00Z"), row}))
                                 .sort((a, b) => a.t - b.t);
    drawTimeline(f);
  }
  function iso(t) { return new Date(t).toISOString().slice(0, 10); }
  function drawTimeline(f) {
    const svg = $("timeline");
    svg.replaceChildren();
    const w = svg.clientWidth || 800, h = svg.clientHeight || 110;
    if (!stacks.length) { axis = null; return; }
    const t0 = stacks[0].t, t1 = stacks[stacks.length - 1].t;
    const x0 = 10, x1 = w - 10;
    const days = Math.round((t1 - t0) / DAY) + 1;
    const step = days > (x1 - x0) / 3 ? 7 : 1;  // a week a bar when days would be thinner than 3 pixels
    axis = {t0, t1: t0 + Math.ceil(days / step) * step * DAY, step, x0, x1};
    const bins = new Map();
    for (const s of stacks) {
      const b = Math.floor((s.t - t0) / DAY / step);
      const row = bins.get(b) || {};
      for (const [k, v] of Object.entries(s.row)) row[k] = (row[k] || 0) + v;
      bins.set(b, row);
    }
    const max = Math.max(...[...bins.values()].map((row) => Object.values(row).reduce((a, b) => a + b, 0)));
    const bw = (x1 - x0) / Math.ceil(days / step);
    const NS = "http://www.w3.org/2000/svg";
    const node = (tag, attrs) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      return n;
    };
    for (const [b, row] of bins) {
      const t = t0 + b * step * DAY, x = x0 + b * bw;
      const inRange = (!f.since || iso(t + (step - 1) * DAY) >= f.since) && (!f.until || iso(t) <= f.until);
      let y = h - 18;
      const n = Object.values(row).reduce((a, c) => a + c, 0);
      for (const quad of [...QUAD_ORDER, "other"]) {
        if (!row[quad]) continue;
        const bh = Math.max(1, (h - 30) * row[quad] / max);
        y -= bh;
        const rect = node("rect", {x, y, width: Math.max(1, bw - 1), height: bh, fill: QUAD_COLOUR[quad] || "#90a4ae",
                                   "fill-opacity": inRange ? 0.9 : 0.25, "data-day": iso(t), "data-quad": quad});
        const title = node("title", {});
        title.textContent = `${iso(t)}${step > 1 ? " (week)" : ""}: ${n} events, ${row[quad]} ${quad.replace("-", " ")}`;
        rect.append(title);
        svg.append(rect);
      }
    }
    // ticks: about six dates along the axis
    const ticks = Math.min(6, Math.ceil(days / step));
    for (let i = 0; i <= ticks; i++) {
      const t = t0 + Math.round((axis.t1 - t0) * i / ticks / DAY) * DAY, x = x0 + (x1 - x0) * (t - t0) / (axis.t1 - t0);
      svg.append(node("line", {x1: x, x2: x, y1: h - 18, y2: h - 14, stroke: "#78909c"}));
      const label = node("text", {x, y: h - 3, "font-size": 10,
                                  "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle", class: "tick"});
      label.textContent = iso(t);
      svg.append(label);
    }
  }
  (function brushing() {
    const svg = $("timeline");
    let start = null, box = null;
    const dateAt = (x) => {
      const t = axis.t0 + (axis.t1 - axis.t0) * Math.min(1, Math.max(0, (x - axis.x0) / (axis.x1 - axis.x0)));
      return iso(Math.min(axis.t1 - DAY, t));
    };
    svg.addEventListener("pointerdown", (e) => {
      if (!axis) return;
      start = e.offsetX;
      box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      box.setAttribute("class", "brush"); box.setAttribute("y", 0); box.setAttribute("height", svg.clientHeight);
      svg.append(box);
    });
    svg.addEventListener("pointermove", (e) => {
      if (start == null) return;
      box.setAttribute("x", Math.min(start, e.offsetX)); box.setAttribute("width", Math.abs(e.offsetX - start));
    });
    svg.addEventListener("pointerup", (e) => {
      if (start == null) return;
      const a = dateAt(Math.min(start, e.offsetX)), b = dateAt(Math.max(start, e.offsetX));
      start = null;
      setFilters({...formFilters(), since: a, until: b}, true);
    });
  })();

  // -- start ------------------------------------------------------------------------------------
  for (const t of TYPES) $("f-type").append(el("option", {value: t}, t));
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); setFilters(formFilters(), true); });
  $("f-type").addEventListener("change", () => setFilters(formFilters(), true));
  $("f-clear").addEventListener("click", () => setFilters({}, true));
  $("more").addEventListener("click", () => { page += 1; load(readFilters()); });
  window.addEventListener("popstate", () => {
    const id = clusterInUrl(), art = articleInUrl();
    if (id) openCluster(id, false); else if (art) openArticle(art, null, false); else $("detail").hidden = true;
    if (location.search === loaded) return;  // only the chosen cluster changed
    loaded = location.search;
    const f = readFilters(); showFilters(f); page = 1; load(f);
  });
  window.addEventListener("resize", () => drawTimeline(readFilters()));
  const initial = readFilters();
  showFilters(initial);
  load(initial);
  if (clusterInUrl()) openCluster(clusterInUrl(), false);
  else if (articleInUrl()) openArticle(articleInUrl(), null, false);
  window.kronikaReady = true;
})();
