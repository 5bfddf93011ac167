// oddsflow live page: best prices of watched events, updated from GET /stream (SSE).
// Watched events: ?watch=1,2 in the URL, else the picker's choice (localStorage), else the
// first events with the most bookmakers. Best prices are re-read from /events/{id}/best when
// a change of that event arrives (the stream only sends changes the sink has stored).
"use strict";
const state = { key: localStorage.getItem("oddsflow.key") || "", watched: [], fresh: {}, changes: 0,
                lastId: null, source: null, timers: {} };
const $ = (sel) => document.querySelector(sel);

function url(path, params = {}) {
  const u = new URL(path, location.href);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
  if (state.key) u.searchParams.set("api_key", state.key);
  return u;
}

async function get(path, params) {
  const r = await fetch(url(path, params));
  if (r.status === 401) { $("#key").style.display = "block"; throw new Error("API key needed"); }
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

function status(html) { $("#status").innerHTML = html; }

function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${s.toFixed(0)} s ago` : s < 5400 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
}

function renderFreshness(id) {
  const el = document.querySelector(`#ev-${id} .fresh`);
  if (!el) return;
  const books = state.fresh[id] || {};
  el.innerHTML = Object.keys(books).sort().map((b) => {
    const stale = Date.now() - Date.parse(books[b]) > 60_000;
    return `<span class="${stale ? "stale" : ""}" data-bookmaker="${b}">${b}: ${ago(books[b])}</span>`;
  }).join("");
}

async function loadEvent(id) {
  const ev = await get(`/events/${id}`);
  let card = $(`#ev-${id}`);
  if (!card) {
    card = document.createElement("div");
    card.className = "event"; card.id = `ev-${id}`; card.dataset.eventId = id;
    $("#events").appendChild(card);
  }
  card.innerHTML = `<h2>${esc(ev.home)} v ${esc(ev.away)}</h2>
    <div class="meta">${esc(ev.sport)}${ev.tournament ? " · " + esc(ev.tournament) : ""} · kickoff
      ${new Date(ev.kickoff).toLocaleString()} ${ev.live ? "· <b>live</b>" : ""}</div>
    <div class="fresh"></div><table><thead><tr><th>market</th><th>outcome</th><th>best</th><th>bookmaker</th></tr></thead><tbody></tbody></table>`;
  state.fresh[id] = {};
  for (const b of ev.bookmakers_detail) if (b.last_captured_at) state.fresh[id][b.key] = b.last_captured_at;
  renderFreshness(id);
  await loadBest(id);
}

async function loadBest(id) {
  const best = await get(`/events/${id}/best`);
  const body = document.querySelector(`#ev-${id} tbody`);
  if (!body) return;
  const old = {};
  for (const tr of body.querySelectorAll("tr")) old[tr.dataset.k] = tr.dataset.price + "|" + tr.dataset.bookmaker;
  body.innerHTML = "";
  for (const p of best.prices) {
    const k = `${p.market_id}|${p.line}|${p.outcome}`;
    const tr = document.createElement("tr");
    tr.dataset.k = k; tr.dataset.price = p.price; tr.dataset.bookmaker = p.bookmaker;
    tr.innerHTML = `<td>${esc(p.market_name)}</td><td>${esc(p.outcome_name)}</td>
      <td class="price">${p.price.toFixed(2)}</td><td>${esc(p.bookmaker)}</td>`;
    if (k in old && old[k] !== `${p.price}|${p.bookmaker}`) {
      tr.className = "flash"; setTimeout(() => tr.classList.remove("flash"), 50);
    }
    body.appendChild(tr);
  }
}

function esc(s) { return String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }

function connect() {
  if (state.source) state.source.close();
  const src = new EventSource(url("/stream"));
  state.source = src;
  const show = (cls, text) => status(`<span class="${cls}">${text}</span> · ${state.changes} changes · position ${state.lastId || "-"}`);
  src.addEventListener("ready", (e) => { state.lastId = e.lastEventId; show("ok", "live"); });
  src.addEventListener("heartbeat", (e) => { state.lastId = e.lastEventId; show("ok", "live"); });
  src.addEventListener("change", (e) => {
    state.lastId = e.lastEventId; state.changes += 1;
    document.body.dataset.changes = state.changes;
    const c = JSON.parse(e.data);
    show("ok", "live");
    if (!state.watched.includes(c.event_id)) return;
    (state.fresh[c.event_id] ||= {})[c.bookmaker] = c.captured_at;
    renderFreshness(c.event_id);
    clearTimeout(state.timers[c.event_id]);
    state.timers[c.event_id] = setTimeout(() => loadBest(c.event_id).catch(console.error), 150);
  });
  src.addEventListener("error", (e) => {
    if (e.data) {  // the server's error event (too_slow, position_not_retained): start afresh
      show("bad", "stream error: " + JSON.parse(e.data).error + " (reconnecting)");
      src.close(); setTimeout(() => { state.watched.forEach((id) => loadEvent(id)); connect(); }, 2000);
    } else if (src.readyState === EventSource.CLOSED) {
      show("bad", "disconnected (retrying)"); setTimeout(connect, 3000);
    } else {
      show("bad", "reconnecting…");  // the browser resumes with Last-Event-ID by itself
    }
  });
}

async function picker(events) {
  $("#picker").innerHTML = events.map((e) => `<label><input type="checkbox" value="${e.id}"
    ${state.watched.includes(e.id) ? "checked" : ""}> ${esc(e.home)} v ${esc(e.away)}</label>`).join("");
  $("#picker").onchange = () => {
    state.watched = [...document.querySelectorAll("#picker input:checked")].map((i) => Number(i.value));
    localStorage.setItem("oddsflow.watch", JSON.stringify(state.watched));
    $("#events").innerHTML = "";
    state.watched.forEach((id) => loadEvent(id).catch(console.error));
  };
}

async function main() {
  $("#key").onsubmit = (e) => {
    e.preventDefault(); state.key = $("#keyinput").value;
    localStorage.setItem("oddsflow.key", state.key); $("#key").style.display = "none"; main();
  };
  let events;
  try { events = (await get("/events", { limit: 100 })).items; } catch (err) { status(`<span class="bad">${err.message}</span>`); return; }
  const fromUrl = new URLSearchParams(location.search).get("watch");
  const saved = JSON.parse(localStorage.getItem("oddsflow.watch") || "null");
  if (fromUrl) state.watched = fromUrl.split(",").map(Number).filter(Boolean);
  else if (saved && saved.length) state.watched = saved;
  else state.watched = [...events].sort((a, b) => b.bookmakers.length - a.bookmakers.length).slice(0, 3).map((e) => e.id);
  await picker(events);
  await Promise.all(state.watched.map((id) => loadEvent(id).catch(console.error)));
  document.body.dataset.ready = "1";
  connect();
  setInterval(() => state.watched.forEach(renderFreshness), 1000);
}
main();
