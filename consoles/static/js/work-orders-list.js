// The work-order list: filters kept in the address, one page of the API's search at a
// time, each row opening the order.
import { api, el, formatDateTime, t } from "./api.js";
import { OPEN_STATUSES, badge, shortPeriod, slaBadge, zonedIso } from "./work-orders-common.js";

const PAGE_SIZE = 25;
const form = document.getElementById("filters");
const body = document.querySelector("#orders tbody");
const FILTERS = ["q", "status", "priority", "channel", "engineer_id", "created_from", "created_to", "sla", "sort"];

function filtersFromAddress() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  }
  return Number(params.get("page") || 1);
}

function addressFromFilters(page) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value;
    // The defaults (open orders, by priority) stay out of the address.
    if (value && !(name === "sort" && value === "priority") && !(name === "status" && value === "open")) {
      params.set(name, value);
    }
  }
  if (page > 1) params.set("page", page);
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
}

/** The API's query for the form: "open" (the default) is every open status, "any" no
 * filter; dates are days in the org's zone. */
function apiQuery(page) {
  const params = new URLSearchParams({ page, page_size: PAGE_SIZE });
  const value = (name) => form.elements[name].value;
  if (value("q").trim()) params.set("q", value("q").trim());
  if (value("status") === "open") OPEN_STATUSES.forEach((status) => params.append("status", status));
  // An address naming no known status leaves the select empty: that is "any" too.
  else if (value("status") && value("status") !== "any") params.set("status", value("status"));
  for (const name of ["priority", "channel", "sla", "sort"]) if (value(name)) params.set(name, value(name));
  if (value("engineer_id") === "none") params.set("unassigned", "true");
  else if (value("engineer_id")) params.set("engineer_id", value("engineer_id"));
  if (value("created_from")) params.set("created_from", zonedIso(value("created_from")));
  if (value("created_to")) {
    // The last day is included: the search's upper bound is exclusive.
    const next = new Date(`${value("created_to")}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    params.set("created_to", zonedIso(next.toISOString().slice(0, 10)));
  }
  return params;
}

function row(order) {
  const open = () => location.assign(`/console/work-orders/${order.id}`);
  return el("tr", { class: "wo-row", tabindex: "0", dataset: { id: order.id, number: order.number }, onclick: open,
                    onkeydown: (event) => { if (event.key === "Enter") open(); } },
    el("td", {}, el("a", { href: `/console/work-orders/${order.id}` }, order.number)),
    el("td", {}, order.title),
    el("td", {}, order.customer?.name ?? ""),
    el("td", {}, badge("statuses", order.status)),
    el("td", {}, badge("priorities", order.priority)),
    el("td", {}, badge("channels", order.channel, "plain")),
    el("td", {}, order.scheduled_engineer?.name ?? el("span", { class: "muted" }, t("unassigned"))),
    el("td", {}, shortPeriod(order.scheduled || order.window)),
    el("td", {}, slaBadge(order.sla)),
    el("td", { class: "nowrap" }, formatDateTime(order.created_at)));
}

let currentPage = 1;
let totalPages = 1;
// Loads answer in any order: the first page's load can still be on its way when the
// user has already filtered. Only the latest load's answer is shown.
let latestLoad = 0;

async function load(page) {
  const thisLoad = ++latestLoad;
  currentPage = page;
  addressFromFilters(page);
  body.parentElement.setAttribute("aria-busy", "true");
  body.replaceChildren(el("tr", {}, el("td", { colspan: 10, class: "muted" }, t("loading"))));
  const answer = await api("GET", "/api/v1/work-orders?" + apiQuery(page));
  if (thisLoad !== latestLoad) return;
  body.parentElement.setAttribute("aria-busy", "false");
  if (!answer.ok) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 10, class: "error" },
      answer.body?.message || t("load_failed"))));
    return;
  }
  const pagination = JSON.parse(answer.headers.get("X-Pagination") || "{}");
  totalPages = Math.max(1, pagination.total_pages || 1);
  body.replaceChildren(...(answer.body.length ? answer.body.map(row)
    : [el("tr", {}, el("td", { colspan: 10, class: "muted" }, t("no_orders")))]));
  document.getElementById("page-info").textContent =
    t("page_of", { page, pages: totalPages, total: pagination.total ?? answer.body.length });
  document.getElementById("previous-page").disabled = page <= 1;
  document.getElementById("next-page").disabled = page >= totalPages;
}

async function loadEngineers() {
  const select = form.elements.engineer_id;
  const wanted = new URLSearchParams(location.search).get("engineer_id");
  const answer = await api("GET", "/api/v1/engineers?active=true&page_size=100");
  if (!answer.ok) return;
  for (const engineer of answer.body.sort((a, b) => a.name.localeCompare(b.name))) {
    select.append(el("option", { value: engineer.id }, engineer.name));
  }
  if (wanted) select.value = wanted;
}

form.addEventListener("submit", (event) => { event.preventDefault(); load(1); });
form.addEventListener("reset", () => setTimeout(() => load(1)));
document.getElementById("previous-page").addEventListener("click", () => load(currentPage - 1));
document.getElementById("next-page").addEventListener("click", () => load(currentPage + 1));

const firstPage = filtersFromAddress();
loadEngineers().then(() => load(firstPage));
