// The dispatcher's map console: loads a day from the API and wires the parts together —
// map, unassigned list, timeline, optimiser, candidates and live updates.
import { api, el, formatTime, t, todayInZone } from "../api.js";
import { CandidatesPanel, assignWithCheck, errorMessage } from "./candidates.js";
import { UnassignedList } from "./lists.js";
import { LivePoller } from "./live.js";
import { DispatchMap } from "./map.js";
import { Optimiser } from "./optimise.js";
import { renderLegend, settings, warningLabel } from "./symbols.js";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const state = { day: settings.date || todayInZone(), orders: [], engineers: [], routes: [], names: new Map(),
                signature: null };

const notice = $("notice");
function notify(message, kind = "info") {
  notice.hidden = false;
  notice.className = `notice ${kind}`;
  notice.replaceChildren(el("span", {}, message),
                         el("button", { type: "button", class: "close", "aria-label": t("close"),
                                        onclick: () => { notice.hidden = true; } }, "×"));
}

const map = new DispatchMap($("dispatch-map"), settings.tileUrl, {
  canPlan: settings.canPlan, onOpenCandidates: (id) => openCandidates(id) });

const list = new UnassignedList({ form: $("filters"), list: $("unassigned-list"), count: $("unassigned-count"),
                                  onSelect: (id) => selectOrder(id), onCandidates: (id) => openCandidates(id) });

const candidates = new CandidatesPanel($("candidates-panel"), {
  canPlan: settings.canPlan, day: () => state.day, notify, onAssigned: () => refresh() });

const timeline = new Timeline($("timeline"), { canPlan: settings.canPlan, onSelect: (id) => selectOrder(id),
                                               onMove: (move) => moveOrder(move) });

const optimiser = new Optimiser({
  form: $("optimise-form"), panel: $("optimise-panel"), progress: $("optimise-progress"),
  status: $("optimise-status"), preview: $("optimise-preview"), day: () => state.day,
  orders: () => state.orders.map((f) => f.properties), engineerNames: () => state.names, notify,
  onPreview: (plan) => map.showPreview(plan, orderLocations(), state.names), onDone: () => refresh(),
});

function orderLocations() {
  return new Map(state.orders.map((f) => [f.properties.number, f.geometry]));
}

function findOrder(id) {
  return state.orders.find((f) => f.properties.id === id)?.properties;
}

function selectOrder(id) {
  list.select(id);
  map.focusOrder(id);
}

function openCandidates(id) {
  const order = findOrder(id);
  if (!order) return;
  selectOrder(id);
  candidates.open(order);
}

/** A drop on the timeline: the same check and assign as a manual assignment. */
async function moveOrder(move) {
  const name = state.names.get(move.engineerId) || `#${move.engineerId}`;
  const answer = await assignWithCheck({
    orderId: move.orderId, engineerId: move.engineerId, start: move.start, end: move.end,
    confirm: (warnings) => confirmMove(move.number, warnings),
  });
  if (answer === null) {
    move.revert();
    return;
  }
  if (!answer.ok) {
    move.revert();
    notify(t("move_failed", { number: move.number, message: errorMessage(answer) }), "error");
    return;
  }
  notify(t("moved", { number: move.number, engineer: name, time: formatTime(move.start) }));
  await refresh();
}

function confirmMove(number, warnings) {
  return new Promise((resolve) => {
    notice.hidden = false;
    notice.className = "notice warn";
    const done = (value) => { notice.hidden = true; resolve(value); };
    notice.replaceChildren(
      el("p", {}, t("confirm_warnings", { number })),
      el("ul", { class: "warnings" }, ...warnings.map((w) =>
        el("li", { class: `warning ${w.blocking ? "blocking" : ""}`, dataset: { code: w.code } }, warningLabel(w.code)))),
      el("div", { class: "actions" },
         el("button", { type: "button", class: "primary", id: "move-anyway", onclick: () => done(true) }, t("move_anyway")),
         el("button", { type: "button", onclick: () => done(false) }, t("cancel"))));
  });
}

/** Every engineer's name (for the optimiser's preview and timeline drops), page by page. */
async function loadEngineerNames() {
  for (let page = 1; page < 50; page += 1) {
    const answer = await api("GET", `/api/v1/engineers?active=true&page=${page}&page_size=100`);
    if (!answer.ok) return;
    for (const engineer of answer.body) state.names.set(engineer.id, engineer.name);
    const pagination = JSON.parse(answer.headers.get("X-Pagination") || "{}");
    if (!pagination.next_page) return;
  }
}

async function loadSkills() {
  const answer = await api("GET", "/api/v1/skills?page_size=100");
  if (answer.ok) list.setSkills(answer.body);
}

/** Ask for the day again; redraw what changed. Resolves to whether the server answered. */
async function refresh() {
  const day = state.day;
  const [orders, engineers, routes] = await Promise.all([
    api("GET", `/api/v1/map/work-orders?date=${day}`),
    api("GET", "/api/v1/map/engineers"),
    api("GET", `/api/v1/dispatch/routes?date=${day}`),
  ]);
  if (day !== state.day) return true;   // the day changed meanwhile; that load draws
  const failed = [orders, engineers, routes].find((answer) => !answer.ok);
  if (failed) {
    notify(t("load_failed", { message: errorMessage(failed) }), "error");
    return false;
  }
  const signature = JSON.stringify([orders.body, engineers.body, routes.body]);
  if (signature === state.signature) return true;
  state.signature = signature;
  state.orders = orders.body.features;
  state.engineers = engineers.body.features;
  state.routes = routes.body;
  for (const route of state.routes) state.names.set(route.engineer_id, route.name);
  map.showOrders(state.orders, day);
  map.showEngineers(state.engineers);
  map.showRoutes(state.routes);
  list.setOrders(state.orders);
  timeline.render(state.routes, day);
  document.getElementById("dispatch").dataset.loadedDay = day;
  return true;
}

function setDay(day) {
  state.day = day;
  state.signature = null;
  $("day").value = day;
  const url = new URL(location.href);
  url.searchParams.set("date", day);
  history.replaceState(null, "", url);
  candidates.close();
  live.shown(true);
  return refresh().then((ok) => live.shown(ok));
}

function shiftDay(days) {
  const date = new Date(`${state.day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  setDay(date.toISOString().slice(0, 10));
}

const live = new LivePoller({ seconds: settings.pollSeconds, refresh,
                              isBusy: () => timeline.isDragging, status: $("live-status") });

renderLegend();
$("day").addEventListener("change", (event) => { if (event.target.value) setDay(event.target.value); });
$("day-prev").addEventListener("click", () => shiftDay(-1));
$("day-next").addEventListener("click", () => shiftDay(1));
window.addEventListener("resize", () => map.invalidate());
Promise.all([loadSkills(), loadEngineerNames()]).then(() => list.render());
setDay(state.day);
live.start();
