// parley's search page. Every string that comes from the API (titles,
// sources, snippets, feed titles, error messages, the query itself) is
// inserted as text through the DOM, never as markup, and links to
// articles are made only for http(s) URLs. The server's
// Content-Security-Policy forbids inline script, so nothing here may use
// inline handlers either (README, Security).
"use strict";

const PAGE = 20;
const FACETS = 10; // values per facet a search returns (the API's default facet_size)
const $ = (s) => document.querySelector(s);

// el builds an element. props: class, text, href (callers pass only "#…"
// links or the output of httpURL), on: {event: fn}, data: {…}, any other
// attribute by name. Children are nodes or strings (inserted as text).
function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === "data") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k != null && k !== false) e.append(k instanceof Node ? k : String(k));
  }
  return e;
}

// httpURL returns u when it is an absolute http or https URL, else null:
// javascript:, data: and file: links from feeds are never made clickable.
function httpURL(u) {
  try {
    const x = new URL(String(u ?? ""));
    return x.protocol === "http:" || x.protocol === "https:" ? x.href : null;
  } catch {
    return null;
  }
}

function originalLink(u) {
  const href = httpURL(u);
  if (!href) return el("span", { class: "meta", title: "the article's address is not a web link" }, "no web link");
  return el("a", { href, rel: "noopener noreferrer", target: "_blank" }, "original");
}

const fmtDate = (s) => {
  const d = s ? new Date(s) : null;
  return d && !isNaN(d) ? d.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "";
};

// quoteValue makes a facet value one token of the query language.
const quoteValue = (v) => /^[\p{L}\p{N}_.-]+$/u.test(v) ? v : '"' + v.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';

// searchHash is the page address of a search; it keeps the chosen sort.
// filters are clauses ("source:X", "-country:TR") shown as chips; view
// (see readView) is how the search is shown: the queries its chart is
// compared with, the chart normalised, quotations by speaker.
const searchHash = (q, from, collapse, filters = [], view = NOVIEW) => {
  const p = new URLSearchParams({ q });
  for (const f of filters) p.append("f", f);
  if (from > 0) p.set("from", from);
  if (collapse) p.set("collapse", "story");
  if ($("#sort") && $("#sort").value === "date") p.set("sort", "date");
  for (const c of view.compare) p.append("c", c);
  if (view.norm) p.set("norm", "1");
  if (view.who) p.set("view", "quotes");
  return "#" + p;
};

const NOVIEW = Object.freeze({ compare: [], norm: false, who: false });
// readView reads the view of a search from its address.
const readView = (p) => ({
  compare: p.getAll("c").map((c) => c.trim()).filter(Boolean).slice(0, MAX_COMPARE),
  norm: p.get("norm") === "1",
  who: p.get("view") === "quotes",
});

// narrow adds a clause to a query, as the facets and the histogram do.
const narrow = (q, clause) => q && q !== "*" ? `(${q}) AND ${clause}` : clause;

// filterQuery is what the chips add to the query: values of one field
// are alternatives (OR), an excluded value is NOT, fields combine with AND.
function filterQuery(filters) {
  const incl = new Map();
  const parts = [];
  for (const f of filters) {
    if (f.startsWith("-")) { parts.push("NOT " + f.slice(1)); continue; }
    const field = f.slice(0, f.indexOf(":"));
    if (!incl.has(field)) incl.set(field, []);
    incl.get(field).push(f);
  }
  for (const vals of incl.values()) parts.unshift(vals.length > 1 ? `(${vals.join(" OR ")})` : vals[0]);
  return parts.join(" AND ");
}
const withFilters = (q, filters) => filters.length ? narrow(q, filterQuery(filters)) : q;

// Names for codes: countries and languages come as ISO codes.
const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });
const languageNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });
function displayName(field, value) {
  try {
    if (field === "country" && /^[A-Z]{2}$/.test(value)) return regionNames.of(value);
    if (field === "language" && /^[a-z]{2,3}$/.test(value)) return languageNames.of(value);
  } catch {
    // an unknown code is shown as it is
  }
  return value;
}

// highlight returns text as nodes with the query's plain words marked.
function highlight(text, words) {
  text = String(text ?? "");
  if (!words.length) return [text];
  const re = new RegExp("(?<![\\p{L}\\p{N}])(" + words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "giu");
  return text.split(re).map((part, i) => i % 2 ? el("mark", {}, part) : part);
}

// queryWords are the words and phrases of q outside field clauses and
// operators, for highlighting.
function queryWords(q) {
  const out = [];
  const re = /(-?)(?:([\p{L}_]+):)?(?:"((?:[^"\\]|\\.)*)"|\[[^\]]*\]|([^\s()"]+))/gu;
  let not = false;
  for (const m of String(q || "").matchAll(re)) {
    const w = m[3] ?? m[4];
    if (w === "NOT") { not = true; continue; }
    const skip = not || m[1] || m[2]; // excluded, or a field clause
    not = false;
    if (skip || !w || /^(AND|OR)$/.test(w) || w === "*") continue;
    out.push(w.replace(/\\(.)/g, "$1").replace(/\*$/, ""));
  }
  return out.filter((w) => w.length > 1);
}

// current is the search on screen (for the live count and the chips).
let current = null;

// Requests: each view takes a ticket; a newer view aborts the older
// request, and a response that arrives for an older ticket is dropped, so
// a slow answer never overwrites a later query.
let ticket = 0;
let inflight = null;
function begin() {
  ticket++;
  if (inflight) inflight.abort();
  inflight = new AbortController();
  return { id: ticket, signal: inflight.signal };
}
const stale = (t) => t.id !== ticket;

async function getJSON(url, opts) {
  const r = await fetch(url, opts);
  const body = await r.json().catch(() => ({ error: r.status + " " + r.statusText }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

// setView shows a view; #view's data-hash says which address it is of.
function setView(status, ...nodes) {
  $("#status").textContent = status;
  $("#view").replaceChildren(...nodes.filter((n) => n != null));
  $("#view").dataset.hash = location.hash;
}

function showError(t, e) {
  if (stale(t) || e.name === "AbortError") return;
  $("#side").replaceChildren();
  setView("", el("div", { class: "error", role: "alert" }, e.message));
}

// Scroll positions of the result lists, so Back returns to the same place.
const scrollMemo = new Map();
history.scrollRestoration = "manual";

function route() {
  const h = location.hash.slice(1);
  if (h === "feeds") return showFeeds();
  if (h === "rules") return showRules();
  if (h.startsWith("article/")) return showArticle(decodeURIComponent(h.slice(8)));
  const p = new URLSearchParams(h);
  const q = p.get("q") ?? "";
  const collapse = p.get("collapse") === "story";
  const sort = p.get("sort") === "date" ? "date" : "relevance";
  const filters = p.getAll("f").filter((f) => /^-?[a-z_]+:./.test(f));
  $("#q").value = q;
  $("#collapse").checked = collapse;
  $("#sort").value = sort;
  search(q, Math.max(0, parseInt(p.get("from") || "0", 10) || 0), collapse, sort, filters, readView(p));
}

// go runs a search for q, keeping the filters on screen.
function go(q, from = 0) {
  const h = searchHash(q, from, $("#collapse").checked, current ? current.filters : [], current ? current.view : NOVIEW);
  scrollMemo.delete(h);
  if (location.hash === h) route(); // the same search again: run it again
  else location.hash = h;
}

async function search(q, from, collapse, sort, filters, view = NOVIEW) {
  const t = begin();
  current = null;
  $("#status").textContent = "Searching…";
  const eq = withFilters(q, filters);
  // Asked beside the search, so that the banner is in place when the
  // results are drawn and does not move them under the user's pointer.
  const feeds = checkFeeds(t);
  try {
    const p = new URLSearchParams({ q: eq || "*", size: PAGE, from, sort });
    if (collapse) p.set("collapse", "story");
    const res = await getJSON("/api/search?" + p, { signal: t.signal });
    if (stale(t)) return;
    current = { q, eq, collapse, filters, view, total: res.total, ticket: t.id };
    const ctx = { q, eq, from, collapse, filters, view };
    const facets = await alternatives(t, q, filters, res.facets || {});
    if (stale(t)) return;
    renderFacets(q, facets, collapse, filters, view);
    await Promise.race([feeds, new Promise((ok) => setTimeout(ok, FEEDS_WAIT_MS))]);
    if (stale(t)) return;
    const unit = collapse ? (res.total === 1 ? "story" : "stories") : (res.total === 1 ? "article" : "articles");
    let status = `${res.total.toLocaleString("en")} ${unit}${q ? " for " + q : ""}`;
    if (view.who) status += " · who said what";
    else if (res.total > 0) status += ` · ${(from + 1).toLocaleString("en")}–${(from + res.hits.length).toLocaleString("en")}`;
    const nodes = [el("div", { id: "live" }), failingBanner(), timeBar(q, collapse, filters, view), chipBar(q, collapse, filters, view), alertMe(eq)];
    // What the query was read as, or probably meant (README, Query language).
    if (res.hint) nodes.push(el("p", { class: "meta hint", role: "status" }, res.hint));
    if (res.total > 0) {
      const histo = el("div", { class: "histo-wrap", id: "histogram" });
      nodes.push(histo, exportLinks(eq, res.total), viewTabs(ctx));
      histogram(t, ctx, histo);
    }
    if (!res.hits.length) nodes.push(helpText());
    if (view.who && res.total > 0) {
      const who = el("div", { id: "who" }, el("p", { class: "meta" }, "Finding who is quoted…"));
      nodes.push(who);
      whoSaidWhat(t, ctx, who);
      setView(status, ...nodes);
      window.scrollTo(0, scrollMemo.get(location.hash) || 0);
      return;
    }
    const words = queryWords(q);
    for (const h of res.hits) {
      const card = hitCard(h, words);
      if (collapse && h.story_id) storyCard(t, h, card);
      nodes.push(card);
    }
    const pager = el("div", { class: "pager" });
    if (from > 0) pager.append(el("button", { class: "secondary", type: "button", id: "newer", on: { click: () => go(q, Math.max(0, from - PAGE)) } }, "← Newer"));
    if (from + PAGE < res.total) pager.append(el("button", { class: "secondary", type: "button", id: "older", on: { click: () => go(q, from + PAGE) } }, "Older →"));
    nodes.push(pager);
    setView(status, ...nodes);
    window.scrollTo(0, scrollMemo.get(location.hash) || 0);
  } catch (e) {
    showError(t, e);
  }
}

// viewTabs switches the search between its articles and its quotations
// grouped by speaker.
function viewTabs(ctx) {
  const tab = (who, id, text) => el("a", { id, href: searchHash(ctx.q, 0, ctx.collapse, ctx.filters, { ...ctx.view, who }), "aria-current": ctx.view.who === who ? "page" : null }, text);
  return el("nav", { class: "viewtabs", "aria-label": "Show" }, tab(false, "tab-articles", "Articles"), tab(true, "tab-quotes", "Who said what"));
}

// ruleSlug proposes a rule name for a query: letters, digits and '-'.
const ruleSlug = (q) => String(q || "everything").toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "rule";

// ruleForm edits a rule: name, query, optional webhook. done is called
// with the stored rule.
function ruleForm(rule, done) {
  const name = el("input", { type: "text", id: "rule-name", value: rule.name, required: true, "aria-label": "Rule name", title: "letters, digits, - and _" });
  const query = el("input", { type: "search", id: "rule-query", value: rule.query, required: true, "aria-label": "Query" });
  const hook = el("input", { type: "url", id: "rule-webhook", placeholder: "https://… (optional)", "aria-label": "Webhook URL (optional)" });
  const msg = el("p", { class: "help", role: "status" },
    rule.webhook ? `This rule posts to ${rule.webhook}; enter the full webhook URL again to keep it (parley shows only its host).` : "parley posts each alert to the webhook, signed (README).");
  const form = el("form", { class: "ruleform", id: "ruleform" },
    el("label", {}, "Name ", name), el("label", {}, "Query ", query), el("label", {}, "Webhook ", hook), el("button", { type: "submit" }, "Save rule"), msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), query: query.value.trim() };
    if (hook.value.trim()) body.webhook = hook.value.trim();
    try {
      const res = await getJSON("/api/rules", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      done(res);
    } catch (err) {
      msg.textContent = err.message;
      msg.className = "error";
    }
  });
  return form;
}

// storyCard says how many other copies a story has ("+2 copies") and
// lists them, first published first, when asked.
async function storyCard(t, h, card) {
  const q = "story:" + quoteValue(h.story_id);
  let res;
  try {
    res = await getJSON("/api/search?" + new URLSearchParams({ q, size: 50, sort: "date" }), { signal: t.signal });
  } catch {
    return; // the card stands without the count
  }
  if (stale(t)) return;
  const copies = (res.hits || []).filter((c) => c.id !== h.id).reverse();
  const n = res.total - 1;
  if (n < 1) return;
  const list = el("ul", { class: "copies", hidden: true },
    copies.map((c) => el("li", {}, el("span", { class: "meta" }, [c.source, fmtDate(c.published_at)].filter(Boolean).join(" · ") + " · "),
      el("a", { href: "#article/" + encodeURIComponent(c.id) }, c.title || c.url || c.id))),
    n > copies.length ? el("li", { class: "meta" }, el("a", { href: searchHash(q, 0, false) }, `all ${n + 1} articles of this story`)) : null);
  const sources = [...new Set(copies.map((c) => c.source).filter(Boolean))].slice(0, 3).join(", ");
  const toggle = el("button", { type: "button", class: "link copies-toggle", "aria-expanded": "false" }, `+${n} ${n === 1 ? "copy" : "copies"}${sources ? ": " + sources : ""}`);
  toggle.addEventListener("click", () => {
    list.hidden = !list.hidden;
    toggle.setAttribute("aria-expanded", String(!list.hidden));
  });
  card.append(el("div", { class: "meta" }, toggle), list);
}

// alertMe offers to save the search as an alert rule.
function alertMe(q) {
  const box = el("div", { class: "alertme" });
  const open = el("button", { type: "button", class: "secondary small", id: "alertme" }, "Alert me");
  open.addEventListener("click", () => {
    box.replaceChildren(ruleForm({ name: ruleSlug(q), query: q || "*" }, (res) => {
      box.replaceChildren(el("p", { class: "meta", role: "status", id: "alertme-done" },
        `Rule ${res.name} ${res.created ? "created" : "updated"}: new matching articles alert on ${res.subject}. `, el("a", { href: "#rules" }, "See the rules")));
    }));
    $("#rule-name").focus();
  });
  box.append(open);
  return box;
}

// showRules lists the alert rules with their latest alerts.
async function showRules() {
  const t = begin();
  const side = el("div", {}, el("h3", {}, "New rule"));
  const fresh = () => side.replaceChildren(el("h3", {}, "New rule"), ruleForm({ name: "", query: "" }, () => showRules()));
  fresh();
  $("#side").replaceChildren(side);
  $("#status").textContent = "Loading…";
  try {
    const res = await getJSON("/api/rules", { signal: t.signal });
    if (stale(t)) return;
    const rules = res.rules || [];
    const cards = rules.map((r) => {
      const alerts = el("ul", { class: "alert-list" }, el("li", { class: "meta" }, "loading alerts…"));
      recentAlerts(t, r.name, alerts);
      const actions = r.source === "config" ? el("span", { class: "meta" }, "from the config file")
        : el("span", {},
          el("button", { type: "button", class: "small secondary", on: { click: () => {
            side.replaceChildren(el("h3", {}, "Edit " + r.name), ruleForm(r, () => showRules()));
            window.scrollTo(0, 0);
          } } }, "Edit"), " ",
          el("button", { type: "button", class: "small danger", data: { rule: r.name }, on: { click: () => removeRule(r.name) } }, "Delete"));
      return el("div", { class: "hit rule", data: { rule: r.name } },
        el("h2", {}, r.name),
        el("div", { class: "meta" }, el("a", { href: searchHash(r.query, 0, false) }, r.query),
          r.webhook ? " · webhook " + r.webhook : "", ` · version ${r.version}`, r.updated_at ? " · " + fmtDate(r.updated_at) : "", " · ", actions),
        r.error ? el("p", { class: "error" }, r.error) : null,
        alerts);
    });
    setView(`${rules.length} ${rules.length === 1 ? "rule" : "rules"}`, ...(cards.length ? cards : [el("p", { class: "help" }, "No rules yet: search, then press Alert me, or add one here.")]));
    window.scrollTo(0, 0);
  } catch (e) {
    showError(t, e);
  }
}

async function recentAlerts(t, rule, into) {
  try {
    const res = await getJSON("/api/alerts?" + new URLSearchParams({ rule, limit: 10 }), { signal: t.signal });
    if (stale(t)) return;
    const alerts = res.alerts || [];
    into.replaceChildren(...(alerts.length ? alerts.map((a) => el("li", {},
      el("span", { class: "meta" }, fmtDate(a.time) + " · "),
      el("a", { href: "#article/" + encodeURIComponent(a.article.id) }, a.article.title || a.article.url || a.article.id),
      el("span", { class: "meta" }, a.article.source ? " · " + a.article.source : ""))) : [el("li", { class: "meta" }, "No alerts in the last week.")]));
  } catch (e) {
    if (!stale(t)) into.replaceChildren(el("li", { class: "meta" }, "Alerts not available: " + e.message));
  }
}

async function removeRule(name) {
  if (!window.confirm("Delete the rule " + name + "?")) return;
  try {
    await getJSON("/api/rules?" + new URLSearchParams({ name }), { method: "DELETE" });
    showRules();
  } catch (err) {
    setView(err.message);
  }
}

// alternatives gives a facet that has chosen values the counts without
// them, so that more values of it can be added (OR), as Kibana does.
async function alternatives(t, q, filters, facets) {
  const fields = [...new Set(filters.filter((f) => !f.startsWith("-")).map((f) => f.slice(0, f.indexOf(":"))))];
  const out = { ...facets };
  await Promise.all(fields.map(async (field) => {
    const rest = filters.filter((f) => f.startsWith("-") || !f.startsWith(field + ":"));
    try {
      const res = await getJSON("/api/search?" + new URLSearchParams({ q: withFilters(q, rest) || "*", size: 0 }), { signal: t.signal });
      if (res.facets && res.facets[field]) out[field] = res.facets[field];
    } catch {
      // keep the facet as the filtered search counted it
    }
  }));
  return out;
}

// timeBar picks the published_at range: a relative one, or between two
// dates; it becomes the published_at filter chip.
function timeBar(q, collapse, filters, view) {
  const cur = filters.find((f) => f.startsWith("published_at:"));
  const others = filters.filter((f) => !f.startsWith("published_at:"));
  const presets = [["", "any time"], ["now-1d", "past 24 hours"], ["now-7d", "past week"], ["now-30d", "past month"], ["now-365d", "past year"], ["custom", "between dates…"]];
  const sel = el("select", { id: "when", "aria-label": "Published" }, presets.map(([v, label]) => el("option", { value: v }, label)));
  const from = el("input", { type: "date", id: "date-from", "aria-label": "Published from" });
  const to = el("input", { type: "date", id: "date-to", "aria-label": "Published until" });
  const dates = el("span", { class: "dates" }, " from ", from, " to ", to);
  let m;
  if (cur && (m = /^published_at:\[(now-\d+d) TO now\]$/.exec(cur)) && presets.some(([v]) => v === m[1])) {
    sel.value = m[1];
  } else if (cur && (m = /^published_at:\[(\d{4}-\d{2}-\d{2}|\*)(?:T[\d:.]+Z)? TO (\d{4}-\d{2}-\d{2}|\*)(?:T[\d:.]+Z)?\]$/.exec(cur))) {
    sel.value = "custom";
    from.value = m[1] === "*" ? "" : m[1];
    to.value = m[2] === "*" ? "" : m[2];
  }
  dates.hidden = sel.value !== "custom";
  const apply = () => {
    let clause = null;
    if (sel.value === "custom") {
      if (from.value || to.value) clause = `published_at:[${from.value || "*"} TO ${to.value || "*"}]`;
    } else if (sel.value) {
      clause = `published_at:[${sel.value} TO now]`;
    }
    const h = searchHash(q, 0, collapse, clause ? [...others, clause] : others, view);
    if (location.hash !== h) location.hash = h;
  };
  sel.addEventListener("change", () => {
    dates.hidden = sel.value !== "custom";
    if (sel.value !== "custom") apply();
  });
  from.addEventListener("change", apply);
  to.addEventListener("change", apply);
  return el("div", { class: "timebar meta" }, el("label", {}, "Published ", sel), dates);
}

// chipBar shows the filters as chips: each can be negated or removed.
function chipBar(q, collapse, filters, view) {
  if (!filters.length) return null;
  const chips = filters.map((f, i) => {
    const neg = f.startsWith("-");
    const clause = neg ? f.slice(1) : f;
    const field = clause.slice(0, clause.indexOf(":"));
    let value = clause.slice(field.length + 1);
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    const others = filters.filter((_, j) => j !== i);
    const flipped = filters.map((g, j) => j === i ? (neg ? clause : "-" + clause) : g);
    return el("span", { class: "chip filter" + (neg ? " negated" : "") },
      el("a", { href: searchHash(q, 0, collapse, flipped, view), class: "flip", title: neg ? "include instead" : "exclude instead" },
        `${neg ? "not " : ""}${field}: ${displayName(field, value)}`),
      el("a", { href: searchHash(q, 0, collapse, others, view), class: "remove", title: "remove this filter", "aria-label": `remove filter ${field} ${value}` }, "×"));
  });
  return el("div", { class: "chips", id: "chips" }, chips,
    filters.length > 1 ? el("a", { href: searchHash(q, 0, collapse, [], view), class: "meta" }, "clear all") : null);
}

// Failing feeds are announced above the results, checked once a minute.
// A search waits at most FEEDS_WAIT_MS for the check; a later answer fills
// the banner in where it stands.
const FEEDS_WAIT_MS = 2000;
let feedsChecked = 0;
let failingFeeds = 0;
function failingBanner() {
  const b = el("div", { id: "failing" });
  if (failingFeeds) b.replaceChildren(bannerText());
  return b;
}
const bannerText = () => el("p", { class: "banner", role: "status" },
  `${failingFeeds} ${failingFeeds === 1 ? "feed is" : "feeds are"} failing: their new articles are missing. `, el("a", { href: "#feeds" }, "See the feeds"));
async function checkFeeds(t) {
  if (Date.now() - feedsChecked < 60000) return;
  feedsChecked = Date.now();
  try {
    const res = await getJSON("/api/feeds", { signal: t.signal });
    failingFeeds = (res.feeds || []).filter((f) => f.status === "failing" || f.status === "blocked").length;
  } catch {
    return; // a server without a feed set, or a newer view
  }
  const b = $("#failing");
  if (b && !stale(t)) b.replaceChildren(...(failingFeeds ? [bannerText()] : []));
}

// While a search is on screen, parley is asked every LIVE_MS how many
// articles match now; more than shown brings a pill that shows them.
const LIVE_MS = 10000;
async function liveCheck() {
  const c = current;
  if (!c || document.hidden || c.ticket !== ticket) return;
  let res;
  try {
    const p = new URLSearchParams({ q: c.eq || "*", size: 0 });
    if (c.collapse) p.set("collapse", "story");
    res = await getJSON("/api/search?" + p);
  } catch {
    return;
  }
  if (c !== current || res.total <= c.total) return;
  const n = res.total - c.total;
  $("#live").replaceChildren(el("button", { type: "button", class: "pill", id: "newpill", on: { click: () => go(c.q) } },
    `${n.toLocaleString("en")} new ${c.collapse ? (n === 1 ? "story" : "stories") : (n === 1 ? "article" : "articles")} — show`));
}

function helpText() {
  const fields = ["title:", "source:", "language:", "country:", "person:", "topic:", "speaker:", 'quote:"…"',
    "published_at:[2026-01-01 TO 2026-02-01]", "published_at:[now-7d TO now]"];
  return el("p", { class: "help" }, "Nothing found. Words, ", el("code", {}, '"phrases"'), ", ",
    el("code", {}, "AND"), " / ", el("code", {}, "OR"), " / ", el("code", {}, "NOT"), ", parentheses, and ",
    fields.map((f) => [el("code", {}, f), " "]), ".");
}

function hitCard(h, words = []) {
  return el("div", { class: "hit" },
    el("h2", {}, el("a", { href: "#article/" + encodeURIComponent(h.id) }, highlight(h.title || h.url || h.id, words))),
    el("div", { class: "meta" }, [h.source, fmtDate(h.published_at), h.language].filter(Boolean).join(" · "), " · ", originalLink(h.url)),
    h.snippet ? el("p", {}, highlight(h.snippet, words)) : null,
    (h.quotes || []).map(quoteBlock));
}

// quoteBlock shows a quotation with its speaker, who links to everything
// they are quoted saying.
function quoteBlock(qt) {
  const who = qt.speaker
    ? el("a", { href: searchHash("speaker:" + quoteValue(qt.speaker), 0, false), class: "speaker" }, qt.speaker)
    : "unattributed";
  return el("blockquote", {}, `“${qt.text}” `, el("span", { class: "meta" }, "— ", who));
}

// exportLinks offers every match of the search as a file.
function exportLinks(q, total) {
  const href = (format) => "/api/export?" + new URLSearchParams({ q: q || "*", format });
  return el("p", { class: "meta export" }, `Download all ${total.toLocaleString("en")}: `,
    el("a", { href: href("csv"), download: "", id: "export-csv" }, "CSV"), " · ",
    el("a", { href: href("jsonl"), download: "", id: "export-jsonl" }, "JSON lines"));
}

// The chart above the results counts the matches per day (per hour when
// they span three days at most, per week or month when they span more
// than 120 days or 160 weeks), from histogram= of /api/search.
// "+ compare" charts up to two more queries beside the search, each with
// the search's filters; "share of all coverage" divides each count by the
// count of all articles with those filters in the same interval
// (attention, as Media Cloud shows it). Dragging across the chart, or the
// arrow keys and Enter on it, narrows the search to those intervals: they
// become the published_at filter chip.
const MAX_COMPARE = 2;
const DAY_MS = 86400000;
const HOUR_MS = 3600000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const isoTime = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");

// rangeClause is the published_at range from the bucket starting at a to
// the end of the bucket starting at b.
function rangeClause(a, b, interval) {
  const end = nextBucket(b, interval);
  if (interval === "hour") return `published_at:[${isoTime(a)} TO ${isoTime(end - 1)}]`;
  return `published_at:[${isoDay(a)} TO ${isoDay(end - DAY_MS)}]`;
}

// histogramOf is one query's histogram: bucket start (ms) → count.
async function histogramOf(t, q, interval) {
  const res = await getJSON("/api/search?" + new URLSearchParams({ q: q || "*", size: 0, histogram: interval }), { signal: t.signal });
  return new Map((res.histogram || []).map((b) => [Date.parse(b.t), b.count]));
}

// nextBucket is the start of the interval after the one starting at ms.
function nextBucket(ms, interval) {
  if (interval === "hour") return ms + HOUR_MS;
  if (interval === "day") return ms + DAY_MS;
  if (interval === "week") return ms + 7 * DAY_MS;
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + 1); // a month bucket starts on the 1st
  return d.getTime();
}

// chartData fetches every series' histogram at the finest interval that
// fits, over the union of their spans, and the histogram of all coverage
// when the chart is normalised. null: a newer view took over.
async function chartData(t, series, filters, norm) {
  const limit = { hour: 120, day: 120, week: 160, month: 2000 };
  const wider = { day: "week", week: "month" };
  let interval = "day";
  let best = null;
  for (;;) {
    const got = await Promise.all(series.map((s) => histogramOf(t, withFilters(s.q, filters), interval)
      .then((counts) => ({ ...s, counts }), (error) => ({ ...s, error }))));
    if (stale(t) || got.some((s) => s.error && s.error.name === "AbortError")) return null;
    let ts = null;
    if (!got.some((s) => s.error && /too many buckets/.test(s.error.message))) {
      const starts = got.flatMap((s) => s.counts ? [...s.counts.keys()] : []);
      if (!starts.length) return { interval, ts: [], series: got };
      const last = Math.max(...starts);
      ts = [];
      for (let x = Math.min(...starts); x <= last && ts.length <= limit[interval]; x = nextBucket(x, interval)) ts.push(x);
    }
    const fits = ts && ts.length <= limit[interval];
    if (fits) best = { interval, ts, series: got };
    if (fits && interval === "day" && ts.length <= 3) {
      interval = "hour"; // a span of three days at most: by the hour
      continue;
    }
    if (fits || interval === "hour") break; // an hourly chart that does not fit leaves the daily one
    if (!wider[interval]) return { tooLong: true };
    interval = wider[interval];
  }
  if (norm) {
    const span = rangeClause(best.ts[0], best.ts[best.ts.length - 1], best.interval);
    try {
      best.all = await histogramOf(t, withFilters(span, filters), best.interval);
    } catch (e) {
      if (stale(t) || e.name === "AbortError") return null;
      throw e;
    }
  }
  return best;
}

// histogram fills into with the chart of the search in ctx ({q, collapse,
// filters, view}) and the queries it is compared with.
async function histogram(t, ctx, into) {
  const series = [{ q: ctx.q, label: ctx.q || "everything" }, ...ctx.view.compare.map((q) => ({ q, label: q }))];
  let data;
  try {
    data = await chartData(t, series, ctx.filters, ctx.view.norm);
  } catch (e) {
    if (!stale(t)) into.replaceChildren(el("p", { class: "meta" }, "No chart: " + e.message), chartControls(ctx));
    return;
  }
  if (!data || stale(t)) return;
  if (data.tooLong) {
    into.replaceChildren(el("p", { class: "meta" }, "No chart: the matches span too long; narrow published_at."), chartControls(ctx));
    return;
  }
  into.replaceChildren(...(data.ts.length ? [drawChart(data, ctx)] : [el("p", { class: "meta" }, "No dated matches to chart.")]),
    legend(data, ctx), chartControls(ctx));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

// seriesValues are a series' points: counts, or percentages of all coverage.
function seriesValues(s, data) {
  return data.ts.map((x) => {
    const n = s.counts ? s.counts.get(x) || 0 : 0;
    if (!data.all) return n;
    const all = data.all.get(x) || 0;
    return all ? 100 * n / all : 0;
  });
}

const pct = (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + "%";

// drawChart draws the series as bars (one query) or lines (compared
// queries) and makes the chart brushable.
function drawChart(data, ctx) {
  const W = 600;
  const H = 120;
  const n = data.ts.length;
  const w = W / n;
  const shown = data.series.map((s) => ({ ...s, values: seriesValues(s, data) }));
  const peak = Math.max(...shown.flatMap((s) => s.values), data.all ? 0.1 : 1);
  const y = (v) => H - (H - 4) * v / peak;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", "aria-hidden": "true", class: "histo-svg" });
  const brush = svg("rect", { class: "brush", x: 0, y: 0, width: 0, height: H, visibility: "hidden" });
  const cursor = svg("rect", { class: "cursor", x: 0, y: 0, width: w, height: H, visibility: "hidden" });
  chart.append(brush);
  if (shown.length === 1) {
    shown[0].values.forEach((v, i) => {
      const h = v ? Math.max(2, H - y(v)) : 0;
      chart.append(svg("rect", { class: "bar s0", x: i * w + Math.min(1, w / 4), y: H - h, width: Math.max(1, w - Math.min(2, w / 2)), height: h }));
    });
  } else {
    shown.forEach((s, k) => {
      if (!s.counts) return;
      const pts = s.values.map((v, i) => `${(i + 0.5) * w},${y(v)}`).join(" ");
      chart.append(svg("polyline", { class: `line s${k}`, points: n === 1 ? `0,${y(s.values[0])} ${W},${y(s.values[0])}` : pts, "vector-effect": "non-scaling-stroke" }));
    });
  }
  chart.append(cursor);

  const label = (i) => bucketLabel(data.ts[i], data.interval);
  const valueText = (s, i) => {
    const c = s.counts ? s.counts.get(data.ts[i]) || 0 : 0;
    if (!data.all) return c.toLocaleString("en");
    return `${pct(s.values[i])} (${c.toLocaleString("en")} of ${(data.all.get(data.ts[i]) || 0).toLocaleString("en")})`;
  };
  const readout = el("p", { class: "meta histo-readout", id: "histo-readout", "aria-live": "polite" }, "\u00a0");
  const say = (i, j = i) => {
    const span = i === j ? label(i) : `${label(i)} to ${label(j)}`;
    const parts = shown.filter((s) => s.counts).map((s) => {
      if (i !== j) {
        const c = data.ts.slice(i, j + 1).reduce((a, x) => a + (s.counts.get(x) || 0), 0);
        return (shown.length > 1 ? s.label + ": " : "") + c.toLocaleString("en") + (c === 1 ? " article" : " articles");
      }
      return (shown.length > 1 ? s.label + ": " : "") + valueText(s, i);
    });
    readout.textContent = span + " — " + parts.join(" · ");
  };

  const wrap = el("div", {
    class: "histo", id: "chart", tabindex: "0", role: "group", "aria-describedby": "histo-readout",
    "aria-label": `${data.all ? "share of all articles" : "articles"} per ${data.interval}, ${label(0)} to ${label(n - 1)}. Drag across it, or use the arrow keys (Shift+arrows to select several) and Enter, to narrow the search to those dates.`,
  }, chart);
  wrap.dataset.interval = data.interval;
  wrap.dataset.buckets = String(n);
  wrap.dataset.first = isoTime(data.ts[0]);

  // sel is the selected interval [i, j]; cur the keyboard's position.
  let sel = null;
  let cur = -1;
  let anchor = null;
  const paint = () => {
    if (sel) {
      brush.setAttribute("x", sel[0] * w);
      brush.setAttribute("width", (sel[1] - sel[0] + 1) * w);
    }
    brush.setAttribute("visibility", sel ? "visible" : "hidden");
    cursor.setAttribute("x", Math.max(0, cur) * w);
    // The keyboard's position shows only when the keyboard moves it.
    cursor.setAttribute("visibility", cur >= 0 && wrap.matches(":focus-visible") && anchor == null ? "visible" : "hidden");
  };
  const pick = ([i, j]) => {
    const clause = rangeClause(data.ts[i], data.ts[j], data.interval);
    const rest = ctx.filters.filter((f) => !f.startsWith("published_at:"));
    location.hash = searchHash(ctx.q, 0, ctx.collapse, [...rest, clause], ctx.view);
  };
  const at = (e) => {
    const r = chart.getBoundingClientRect();
    return Math.min(n - 1, Math.max(0, Math.floor((e.clientX - r.left) / r.width * n)));
  };
  wrap.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    anchor = at(e);
    sel = [anchor, anchor];
    wrap.setPointerCapture(e.pointerId);
    paint();
    say(anchor);
  });
  wrap.addEventListener("pointermove", (e) => {
    const i = at(e);
    if (anchor == null) return say(i);
    sel = [Math.min(anchor, i), Math.max(anchor, i)];
    paint();
    say(...sel);
  });
  wrap.addEventListener("pointerup", () => {
    if (anchor == null) return;
    anchor = null;
    pick(sel);
  });
  wrap.addEventListener("pointercancel", () => {
    anchor = null;
    sel = null;
    paint();
  });
  let keyAnchor = null;
  wrap.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: cur - 1, ArrowRight: cur + 1, Home: 0, End: n - 1 };
    if (e.key in moves) {
      e.preventDefault();
      const prev = Math.max(0, cur);
      cur = Math.min(n - 1, Math.max(0, moves[e.key]));
      if (e.shiftKey) {
        if (keyAnchor == null) keyAnchor = prev;
        sel = [Math.min(keyAnchor, cur), Math.max(keyAnchor, cur)];
      } else {
        keyAnchor = null;
        sel = null;
      }
      paint();
      sel ? say(...sel) : say(cur);
    } else if ((e.key === "Enter" || e.key === " ") && (sel || cur >= 0)) {
      e.preventDefault();
      pick(sel || [cur, cur]);
    } else if (e.key === "Escape") {
      sel = null;
      keyAnchor = null;
      paint();
    }
  });
  wrap.addEventListener("focus", () => {
    if (cur < 0) cur = n - 1;
    paint();
    say(cur);
  });
  wrap.addEventListener("blur", paint);
  const axis = el("div", { class: "meta histo-axis" }, el("span", {}, label(0)),
    el("span", {}, (data.all ? `% of all articles per ${data.interval}, peak ${pct(peak)}` : `per ${data.interval}, peak ${Math.round(peak).toLocaleString("en")}`)),
    el("span", {}, label(n - 1)));
  return el("div", {}, wrap, axis, readout);
}

// legend names each charted query with its colour and how many dated
// articles it matched; a compared query that failed says why.
function legend(data, ctx) {
  return el("ul", { class: "legend meta", id: "legend" }, data.series.map((s, k) => {
    const total = s.counts ? [...s.counts.values()].reduce((a, b) => a + b, 0) : 0;
    return el("li", { data: { series: String(k) } }, el("span", { class: `swatch s${k}`, "aria-hidden": "true" }),
      el("span", { class: "series-label" }, s.label), s.error ? el("span", { class: "error-text" }, " — " + s.error.message)
        : ` — ${total.toLocaleString("en")} ${total === 1 ? "article" : "articles"}`);
  }), ctx.filters.length && data.series.length > 1 ? el("li", {}, "each with the filters above") : null);
}

// chartControls edits the compared queries and the normalisation; they
// live in the page's address, so a chart can be shared.
function chartControls(ctx) {
  const rows = el("div", { class: "compare-rows" });
  const form = el("form", { class: "compare", id: "compare" }, rows);
  const add = el("button", { type: "button", class: "link", id: "compare-add" }, "+ compare");
  const submit = el("button", { type: "submit", class: "small secondary", id: "compare-go" }, "Chart");
  const norm = el("input", { type: "checkbox", id: "normalize", checked: ctx.view.norm });
  const row = (value) => {
    const input = el("input", { type: "search", class: "compare-q", value, "aria-label": "Compare with the query", placeholder: "compare with…" });
    const remove = el("button", { type: "button", class: "link remove-compare", "aria-label": "remove this comparison", title: "remove" }, "×");
    const r = el("div", { class: "compare-row" }, input, remove);
    remove.addEventListener("click", () => {
      r.remove();
      apply();
    });
    rows.append(r);
    return input;
  };
  const sync = () => {
    const k = rows.children.length;
    add.hidden = k >= MAX_COMPARE;
    submit.hidden = k === 0;
  };
  const apply = () => {
    const compare = [...rows.querySelectorAll(".compare-q")].map((i) => i.value.trim()).filter(Boolean);
    const h = searchHash(ctx.q, ctx.from, ctx.collapse, ctx.filters, { ...ctx.view, compare, norm: norm.checked });
    if (location.hash !== h) location.hash = h;
    else sync();
  };
  for (const q of ctx.view.compare) row(q);
  add.addEventListener("click", () => {
    row("").focus();
    sync();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    apply();
  });
  norm.addEventListener("change", apply);
  form.append(el("span", { class: "compare-actions" }, add, submit,
    el("label", { class: "meta" }, norm, " share of all coverage")));
  sync();
  return form;
}

function bucketLabel(ms, interval) {
  if (interval === "hour") return isoTime(ms).slice(0, 16).replace("T", " ") + " UTC";
  if (interval === "week") return "week of " + isoDay(ms);
  return interval === "month" ? isoDay(ms).slice(0, 7) : isoDay(ms);
}

// whoSaidWhat shows the quotations in the search's articles grouped by
// speaker, those quoted in most articles first (the speaker facet). One
// search per speaker (the search AND speaker:"Name") brings their newest
// quotations, which the API picks out of each article.
const WHO_SPEAKERS = 20;
const WHO_QUOTES = 10;
async function whoSaidWhat(t, ctx, into) {
  let speakers;
  try {
    const res = await getJSON("/api/search?" + new URLSearchParams({ q: ctx.eq || "*", size: 0, facet_size: WHO_SPEAKERS }), { signal: t.signal });
    speakers = (res.facets || {}).speaker || [];
  } catch (e) {
    if (!stale(t) && e.name !== "AbortError") into.replaceChildren(el("p", { class: "error" }, e.message));
    return;
  }
  if (stale(t)) return;
  if (!speakers.length) {
    into.replaceChildren(el("p", { class: "help" }, "No one is quoted in these articles."));
    return;
  }
  const groups = speakers.map((s) => {
    const clause = "speaker:" + quoteValue(s.value);
    const list = el("ul", { class: "quote-list" }, el("li", { class: "meta" }, "loading quotations…"));
    const box = el("section", { class: "hit speaker-group", data: { speaker: s.value } },
      el("h2", {}, el("a", { href: searchHash(ctx.q, 0, ctx.collapse, [...ctx.filters.filter((f) => f !== clause), clause]) }, s.value)),
      el("div", { class: "meta" }, `quoted in ${s.count.toLocaleString("en")} ${s.count === 1 ? "article" : "articles"}`), list);
    return { s, clause, list, box };
  });
  into.replaceChildren(...groups.map((g) => g.box));
  await pool(groups, 4, async (g) => {
    let res;
    try {
      res = await getJSON("/api/search?" + new URLSearchParams({ q: narrow(ctx.eq, g.clause), size: WHO_QUOTES, sort: "date" }), { signal: t.signal });
    } catch (e) {
      if (!stale(t) && e.name !== "AbortError") g.list.replaceChildren(el("li", { class: "error" }, e.message));
      return;
    }
    if (stale(t)) return;
    const items = res.hits.flatMap((h) => (h.quotes || []).map((qt) => el("li", {},
      el("blockquote", {}, `“${qt.text}”`),
      el("span", { class: "meta" }, el("a", { href: "#article/" + encodeURIComponent(h.id) }, h.title || h.url || h.id),
        " · " + [h.source, fmtDate(h.published_at)].filter(Boolean).join(" · ")))));
    if (res.total > res.hits.length) {
      items.push(el("li", { class: "meta" }, el("a", { href: searchHash(ctx.q, 0, ctx.collapse, [...ctx.filters.filter((f) => f !== g.clause), g.clause]) },
        `all ${res.total.toLocaleString("en")} articles quoting ${g.s.value}`)));
    }
    g.list.replaceChildren(...items);
    g.box.dataset.loaded = "true";
  });
  into.dataset.loaded = "true";
}

// pool runs fn on every item, at most n at a time.
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function renderFacets(q, facets, collapse, filters = [], view = NOVIEW) {
  const groups = [];
  for (const [name, vals] of Object.entries(facets)) {
    if (!vals || !vals.length) continue;
    const items = (vals) => vals.map((v) => {
      const clause = `${name}:${quoteValue(String(v.value))}`;
      const add = (f) => filters.includes(f) ? filters : [...filters.filter((g) => g !== "-" + clause && g !== clause), f];
      const label = displayName(name, String(v.value));
      return el("li", {},
        el("a", { href: searchHash(q, 0, collapse, add(clause), view), class: "facet", title: label === v.value ? null : String(v.value) },
          el("span", {}, label), el("span", { class: "n" }, String(v.count))),
        el("a", { href: searchHash(q, 0, collapse, add("-" + clause), view), class: "exclude", title: "exclude " + label, "aria-label": "exclude " + label }, "−"));
    });
    const list = el("ul", { data: { facet: name } }, items(vals));
    // The top FACETS values come with the search; "more" asks for up to 100.
    const more = vals.length < FACETS ? null : el("button", { type: "button", class: "link more", data: { facet: name } }, "more");
    if (more) {
      more.addEventListener("click", async () => {
        const t = { id: ticket, signal: inflight ? inflight.signal : undefined };
        const rest = filters.filter((f) => f.startsWith("-") || !f.startsWith(name + ":"));
        try {
          const res = await getJSON("/api/search?" + new URLSearchParams({ q: withFilters(q, rest) || "*", size: 0, facet_size: 100 }), { signal: t.signal });
          if (stale(t)) return;
          list.replaceChildren(...items((res.facets || {})[name] || []));
          more.remove();
        } catch (e) {
          more.textContent = "more (" + e.message + ")";
        }
      });
    }
    groups.push(el("h3", {}, name), list, more);
  }
  if (!groups.length) return $("#side").replaceChildren();
  const wide = window.matchMedia("(min-width: 801px)").matches;
  $("#side").replaceChildren(el("details", { open: wide },
    el("summary", {}, "Filters"),
    collapse ? el("p", { class: "help" }, "Counts are articles, not stories.") : null,
    groups));
}

async function showArticle(id) {
  const t = begin();
  $("#side").replaceChildren();
  $("#status").textContent = "Loading…";
  try {
    const a = await getJSON("/api/articles/" + encodeURIComponent(id), { signal: t.signal });
    if (stale(t)) return;
    const ents = a.entities || {};
    const chips = (list, query) => (list || []).map((e) => el("a", { class: "chip", href: searchHash(query(e), 0, false) }, e.name || String(e)));
    const paras = String(a.body || "").split(/\n\s*\n/).filter((p) => p.trim());
    const meta = [a.source, fmtDate(a.published_at) + (a.updated_at ? " (updated " + fmtDate(a.updated_at) + ")" : ""), a.language]
      .filter(Boolean).join(" · ");
    const copies = el("span", {});
    const art = el("article", { class: "full" },
      el("p", {}, el("button", { class: "link", type: "button", id: "back", on: { click: back } }, "← back")),
      el("h2", {}, a.title || a.url || a.id),
      el("div", { class: "meta" }, meta, (a.authors || []).length ? " · by " + a.authors.join(", ") : "", " · ", originalLink(a.url)),
      (a.topics || []).length ? el("p", {}, a.topics.map((tp) => el("span", { class: "chip" }, tp))) : null,
      el("p", { class: "meta" },
        chips(ents.people, (e) => `person:${quoteValue(e.name)}`),
        chips(ents.countries, (e) => `country:${quoteValue(String(e))}`),
        chips(ents.organizations, (e) => quoteValue(e.name))),
      (a.quotes || []).map(quoteBlock),
      el("div", { class: "body" }, paras.length ? paras.map((p) => el("p", {}, p))
        : el("p", { class: "meta" }, "No article text was extracted" + (a.empty_reason ? ": " + a.empty_reason : "") + ".")),
      el("p", { class: "meta" }, "id " + a.id, copies));
    setView("", art);
    window.scrollTo(0, 0);
    if (a.story_id) await storyCopies(t, a.story_id, copies);
    art.dataset.copies = "checked";
  } catch (e) {
    showError(t, e);
  }
}

// storyCopies offers the other copies of a story only when there are some.
async function storyCopies(t, story, into) {
  const q = "story:" + quoteValue(story);
  try {
    const res = await getJSON("/api/search?" + new URLSearchParams({ q, size: 1 }), { signal: t.signal });
    if (stale(t) || res.total < 2) return;
    const n = res.total - 1;
    into.replaceChildren(" · ", el("a", { href: searchHash(q, 0, false), id: "copies" }, `${n} other ${n === 1 ? "copy" : "copies"} of this story`));
  } catch {
    // the article is shown; the link is only an offer
  }
}

// back returns to the previous view when parley's page led here, else to
// the search page.
let navigated = false; // a view of this page load precedes the current one
function back() {
  if (navigated) history.back();
  else location.hash = "";
}

async function showFeeds() {
  const t = begin();
  const msg = el("p", { class: "help", role: "status" }, "Needs the API token when parley was started with one.");
  const input = el("input", { type: "url", id: "feedurl", placeholder: "https://…/rss.xml", "aria-label": "Feed URL", required: true });
  const form = el("form", { class: "addfeed", id: "add" }, input, el("button", { type: "submit" }, "Add"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await getJSON("/api/feeds", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url: input.value.trim() }) });
      showFeeds();
    } catch (err) {
      msg.textContent = err.message;
      msg.className = "error";
    }
  });
  $("#side").replaceChildren(el("h3", {}, "Add a feed"), form, msg);
  $("#status").textContent = "Loading…";
  try {
    const res = await getJSON("/api/feeds", { signal: t.signal });
    if (stale(t)) return;
    const rank = { failing: 0, blocked: 1, new: 2, ok: 3 };
    const feeds = [...res.feeds].sort((a, b) => (rank[a.status] ?? 2) - (rank[b.status] ?? 2) || String(a.url).localeCompare(String(b.url)));
    const rows = feeds.map((f) => el("tr", {},
      el("td", { class: "url" }, f.title || "", f.title ? el("br") : null, el("span", { class: "meta" }, f.url)),
      el("td", { class: "status-" + String(f.status).replace(/[^a-z]/g, "") }, f.status),
      el("td", {}, String(f.items ?? 0)),
      el("td", { class: "meta" }, fmtDate(f.last_fetch)),
      el("td", { class: "err" }, f.last_error || ""),
      el("td", { class: "actions" },
        f.status === "failing" || f.status === "blocked"
          ? el("button", { class: "small secondary retry", type: "button", data: { url: f.url }, on: { click: () => retryFeed(f.url, msg) } }, "Retry")
          : null,
        el("button", { class: "small danger", type: "button", on: { click: () => removeFeed(f.url, msg) } }, "Remove"))));
    const failing = feeds.filter((f) => f.status === "failing" || f.status === "blocked").length;
    setView(`${feeds.length} feeds${failing ? `, ${failing} failing` : ""}`,
      el("div", { class: "table-wrap" }, el("table", { id: "feedtable" },
        el("thead", {}, el("tr", {}, ["Feed", "Status", "Items", "Last fetch", "Last error", ""].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))),
      el("p", { class: "help" }, "For operators: ", el("a", { href: "/healthz" }, "health"), " · ", el("a", { href: "/metrics" }, "Prometheus metrics")));
    window.scrollTo(0, 0);
  } catch (e) {
    showError(t, e);
  }
}

// retryFeed asks parley to poll a failing feed now.
async function retryFeed(url, msg) {
  try {
    await getJSON("/api/feeds/retry", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
    msg.textContent = "Asked to poll " + url + " now; reload the feeds in a moment to see the outcome.";
    msg.className = "help";
  } catch (err) {
    msg.textContent = err.message;
    msg.className = "error";
  }
}

async function removeFeed(url, msg) {
  if (!window.confirm("Stop polling " + url + "?")) return;
  try {
    await getJSON("/api/feeds?" + new URLSearchParams({ url }), { method: "DELETE" });
    showFeeds();
  } catch (err) {
    msg.textContent = err.message;
    msg.className = "error";
  }
}

window.addEventListener("hashchange", (e) => {
  navigated = true;
  scrollMemo.set(new URL(e.oldURL).hash, window.scrollY);
  route();
});

document.addEventListener("DOMContentLoaded", () => {
  $("#f").addEventListener("submit", (e) => { e.preventDefault(); go($("#q").value.trim()); });
  $("#collapse").addEventListener("change", () => go($("#q").value.trim()));
  $("#sort").addEventListener("change", () => go($("#q").value.trim()));
  $("#home").addEventListener("click", () => { current = null; });
  window.setInterval(liveCheck, LIVE_MS);
  // The skip link goes past the header and the filters to the first result.
  $("#skip").addEventListener("click", (e) => {
    e.preventDefault();
    const first = document.querySelector("#view .hit h2 a");
    if (first) first.focus();
    else $("#main").focus();
  });
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest && e.target.closest("input, textarea, select, [contenteditable]");
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      $("#q").focus();
      $("#q").select();
    }
  });
  route();
  if (!location.hash) $("#q").focus();
});
