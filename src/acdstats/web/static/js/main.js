// The dashboard: sign-in, the period / zone / queue controls, the views, the live mode.
import { ApiError, result } from "./api.js";
import { Session, SignInError } from "./auth.js";
import { clear, h, notice } from "./dom.js";
import { clockTime } from "./format.js";
import * as route from "./route.js";
import { renderOperator, renderOperators } from "./views/operators.js";
import { renderOverview, renderQueue, renderQueues } from "./views/queues.js";

export const REFRESH_MS = 30000;
const VIEWS = { overview: "Overview", queues: "Queues", operators: "Operators" };
const NO_ZONE = "Etc/acdstats-no-such-zone";

const $ = (id) => document.getElementById(id);
const app = { session: null, features: { timezone: false }, generation: 0, timer: null };

// Signs in for real: one small statistics call that also tells whether the server takes the
// `timezone` extension (a zone it cannot know is error 101 there; without it, ignored).
async function probe(session) {
  const params = { from_date: "2000-01-01 00:00:00", to_date: "2000-01-01 00:00:01",
                   user_id: "all", report: "AC", timezone: NO_ZONE };
  try {
    await result(session, "GetACDOperatorStatistics", params);
    return { timezone: false };
  } catch (err) {
    if (err instanceof ApiError && err.code === 101) return { timezone: true };
    throw err;
  }
}

function showSignInError(text) {
  const box = $("signin-error");
  box.textContent = text;
  box.hidden = false;
  box.focus();
}

async function signIn(makeSession) {
  $("signin-error").hidden = true;
  const busy = $("signin-busy");
  busy.textContent = "Signing in…";
  let session;
  try {
    session = await makeSession();
    app.features = await probe(session);
  } catch (err) {
    busy.textContent = "";
    session?.forget();
    if (err instanceof SignInError) showSignInError(err.message);
    else if (err instanceof ApiError) showSignInError(`Sign-in failed. ${err.explain()}`);
    else showSignInError(`Sign-in failed: ${err.message}`);
    return;
  }
  busy.textContent = "";
  app.session = session;
  $("credentials-file").value = "";
  $("token-text").value = "";
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").textContent = session.label;
  $("signed-in").hidden = false;
  $("nav").hidden = false;
  setupControls();
  await render({ focus: true });
}

function signOut() {
  app.session?.forget();
  app.session = null;
  app.generation++;
  clearInterval(app.timer);
  app.timer = null;
  clear($("main"));
  $("app").hidden = true;
  $("signed-in").hidden = true;
  $("nav").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("credentials-file").focus();
}

// The browser's zone data (ICU) still calls some zones by their old names; the server takes
// those as links too, but people look for the current ones.
const CURRENT_NAMES = {
  "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon", "Europe/Kiev": "Europe/Kyiv",
  "Atlantic/Faeroe": "Atlantic/Faroe", "America/Godthab": "America/Nuuk",
  "Pacific/Truk": "Pacific/Chuuk", "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton", "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
};
const current = (zone) => CURRENT_NAMES[zone] || zone;

function zones() {
  const list = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const names = new Set(list.map(current));
  names.delete("UTC");
  return ["UTC", ...[...names].sort()];
}

function browserZone() {
  return current(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
}

function currentZone(params) {
  if (!app.features.timezone) return "UTC";
  return params.get("tz") || browserZone();
}

let controlsReady = false;
function setupControls() {
  if (!controlsReady) {
    controlsReady = true;
    const zoneSelect = $("zone");
    for (const zone of zones()) zoneSelect.append(h("option", { value: zone }, zone));
    $("period").addEventListener("change", () => {
      const custom = $("period").value === "custom";
      $("custom-dates").hidden = !custom;
      if (!custom) applyControls();
    });
    $("zone").addEventListener("change", applyControls);
    $("controls").addEventListener("submit", (event) => {
      event.preventDefault();
      applyControls();
    });
  }
  syncControls();
}

function syncControls() {
  const { params } = route.current();
  const zone = currentZone(params);
  const p = route.period(params, zone);
  $("period").value = p.name;
  $("custom-dates").hidden = p.name !== "custom";
  $("from").value = p.from;
  $("to").value = p.last;
  const zoneSelect = $("zone");
  if (![...zoneSelect.options].some((o) => o.value === zone)) zoneSelect.append(h("option", { value: zone }, zone));
  zoneSelect.value = zone;
  zoneSelect.disabled = !app.features.timezone;
  $("zone-note").textContent = app.features.timezone ? "" : "This server answers in UTC only (no timezone extension).";
  $("queue-filter").value = (params.get("queue") || "").replace(/;/g, ", ");
}

function applyControls() {
  const { parts } = route.current();
  const name = $("period").value;
  const queues = $("queue-filter").value.split(/[,;\s]+/).filter(Boolean).join(";");
  const changes = {
    period: name === route.DEFAULT_PERIOD ? null : name,
    from: name === "custom" ? $("from").value : null,
    to: name === "custom" ? $("to").value : null,
    tz: app.features.timezone && $("zone").value !== browserZone() ? $("zone").value : null,
    queue: queues || null,
    page: null,
    offset: null,
  };
  const target = route.href(parts, changes, ["period", "from", "to", "tz", "queue", "sort", "dir", "q"]);
  if (location.hash === target) render({});
  else location.hash = target;
}

function navigation(parts) {
  for (const link of document.querySelectorAll("#nav a")) {
    const view = link.dataset.view;
    link.href = route.href([view]);
    if (parts[0] === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function render({ focus = false, refresh = false } = {}) {
  if (!app.session) return;
  const generation = ++app.generation;
  const { parts, params } = route.current();
  const view = parts[0] in VIEWS ? parts[0] : "overview";
  const zone = currentZone(params);
  const period = route.period(params, zone);
  const main = $("main");
  const focusKey = refresh ? document.activeElement?.dataset?.focusKey : null;
  syncControls();
  navigation(parts);
  document.title = `${VIEWS[view]}${parts[1] ? ` ${parts[1]}` : ""} · acdstats`;
  const ctx = {
    session: app.session, features: app.features, zone, period, params, parts,
    queues: params.get("queue") || "",
    periodText: `${period.from}${period.days > 1 ? ` – ${period.last}` : ""} (${zone})`,
    isCurrent: () => generation === app.generation && app.session !== null,
  };
  const notes = $("view-notes");
  clear(notes);
  if (params.get("tz") && !app.features.timezone) {
    notes.append(notice("missing", `The link asks for ${params.get("tz")}, but this server has no time zones yet: showing UTC.`));
  }
  if (!refresh) {
    clear(main).append(h("p", { class: "loading", role: "status" }, "Loading…"));
    main.setAttribute("aria-busy", "true");
  }
  try {
    if (view === "operators" && parts[1]) await renderOperator(ctx, main, parts[1]);
    else if (view === "operators") await renderOperators(ctx, main);
    else if (view === "queues" && parts[1]) await renderQueue(ctx, main, parts[1]);
    else if (view === "queues") await renderQueues(ctx, main);
    else await renderOverview(ctx, main);
  } catch (err) {
    if (ctx.isCurrent()) clear(main).append(notice("error", `This view failed: ${err.message}`));
  }
  if (!ctx.isCurrent()) return;
  main.removeAttribute("aria-busy");
  // For tests and scripts: which view is on screen, and how many times it was drawn.
  document.body.dataset.shown = location.hash;
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
  schedule(period.live);
  $("updated").textContent = period.live
    ? `Live: refreshes every ${REFRESH_MS / 1000} s · updated ${clockTime()}`
    : `Updated ${clockTime()}`;
  if (focusKey) main.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
  else if (focus) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
}

function schedule(live) {
  clearInterval(app.timer);
  app.timer = live ? setInterval(() => {
    if (!document.hidden) render({ refresh: true });
  }, REFRESH_MS) : null;
}

function start() {
  $("credentials-file").addEventListener("change", async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    await signIn(async () => Session.fromCredentials(await file.text()));
  });
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("token-text").value;
    if (!text.trim()) return showSignInError("Paste a token first.");
    await signIn(async () => Session.fromToken(text));
  });
  $("signout").addEventListener("click", signOut);
  // The skip link moves focus only: the hash is the router's.
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
  });
  window.addEventListener("hashchange", () => render({ focus: true }));
  $("signin").hidden = false;
  document.body.dataset.ready = "true";
}

start();
