// The warehouse desk: the part-request queue, returns, stock by location and stock
// counts — all through the inventory API, with its permissions and its errors.
import { api, el, formatDateTime, t } from "./api.js";

const INVENTORY = "/api/v1/inventory";
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

let locations = [];
let parts = null;   // the catalogue, by id, loaded when first needed

/** Every page of a paginated list (X-Pagination tells how many pages there are). */
async function fetchAll(path) {
  const rows = [];
  for (let page = 1; ; page += 1) {
    const separator = path.includes("?") ? "&" : "?";
    const answer = await api("GET", `${path}${separator}page=${page}&page_size=100`);
    if (!answer.ok) throw answer;
    rows.push(...answer.body);
    const info = JSON.parse(answer.headers.get("X-Pagination") || "{}");
    if (!info.total_pages || page >= info.total_pages) return rows;
  }
}

function newKey() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** A change through the API, with an Idempotency-Key so a double click books once. */
function change(path, json) {
  return api("POST", path, { json, headers: { "Idempotency-Key": newKey() } });
}

/** The API's error, said plainly: what kind of refusal, then the API's own words. */
function explain(answer) {
  const status = answer.body?.status;
  const known = ["insufficient_stock", "serial_conflict", "conflict", "validation_error", "forbidden", "not_found"];
  const headline = t(known.includes(status) ? `error.${status}` : "error.other");
  const fields = answer.body?.errors ? Object.entries(answer.body.errors)
    .map(([name, problem]) => `${name}: ${JSON.stringify(problem)}`).join("; ") : "";
  return [headline, answer.body?.message, fields].filter(Boolean).join(" — ");
}

function flash(text) {
  const box = $("#flash");
  box.textContent = text;
  box.hidden = false;
}

function locationName(id) {
  return locations.find((location) => location.id === id)?.name ?? `#${id}`;
}

function fillLocationSelects() {
  for (const select of $$("select[data-locations]")) {
    const kinds = select.dataset.locations.split(" ");
    const options = locations.filter((location) => kinds.includes(location.kind))
      .map((location) => el("option", { value: location.id },
        kinds.length > 1 ? `${location.name} (${t(`kind.${location.kind}`)})` : location.name));
    if (select.dataset.any) options.unshift(el("option", { value: "" }, select.dataset.any));
    select.replaceChildren(...options);
  }
}

async function catalogue() {
  parts ??= new Map((await fetchAll(`${INVENTORY}/parts`)).map((part) => [part.id, part]));
  return parts;
}

function serialsFrom(text) {
  return text.split(/[\s,;]+/).map((serial) => serial.trim()).filter(Boolean);
}

/** Wrap a loader so that only the latest call draws: an older answer arriving late is dropped. */
function latestOnly(load) {
  let generation = 0;
  return async (...args) => {
    const mine = ++generation;
    const draw = await load(...args);
    if (mine === generation) draw();
  };
}

/** Each cell names its column (the phone layout shows the names beside the values). */
function labelCells(table) {
  const names = $$("thead th", table).map((th) => th.textContent.trim());
  for (const row of $$("tbody tr", table)) {
    [...row.cells].forEach((cell, index) => { if (names[index]) cell.dataset.label = names[index]; });
  }
}

// -- tabs -------------------------------------------------------------------------------

function showTab() {
  const wanted = (location.hash || "#queue").slice(1);
  const known = $$("[data-panel]").some((panel) => panel.dataset.panel === wanted) ? wanted : "queue";
  for (const panel of $$("[data-panel]")) panel.hidden = panel.dataset.panel !== known;
  for (const tab of $$("[data-tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === known));
  ({ queue: loadQueue, stock: loadStock, count: loadCount, returns: () => {} })[known]();
}

// -- the queue --------------------------------------------------------------------------

const queueFilters = () => new FormData($("#queue-filters"));

const loadQueue = latestOnly(async () => {
  const filters = queueFilters();
  const query = new URLSearchParams();
  if (filters.get("status")) query.append("status", filters.get("status"));
  if (filters.get("van")) query.append("to_location_id", filters.get("van"));
  const from = Number(filters.get("warehouse"));
  const [requests, stock] = await Promise.all([
    fetchAll(`${INVENTORY}/part-requests?${query}`),
    from ? fetchAll(`${INVENTORY}/levels?location_id=${from}`) : [],
  ]);
  const availableHere = new Map(stock.map((level) => [level.part_id, level.available]));
  return () => drawQueue(requests, availableHere);
});

function drawQueue(requests, availableHere) {
  const body = $("#queue-table tbody");
  if (!requests.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 9, class: "muted" }, t("queue_empty"))));
    return;
  }
  body.replaceChildren(...requests.map((request) => {
    const here = availableHere.get(request.part_id) ?? 0;
    const pending = ["open", "picking", "unavailable"].includes(request.status);
    return el("tr", { dataset: { request: request.id }, class: here < request.quantity ? "short" : null },
      el("td", {}, el("strong", {}, request.work_order_number), " ",
        el("span", { class: `badge priority-${request.priority}` }, t(`priority.${request.priority}`))),
      el("td", {}, request.scheduled_start ? formatDateTime(request.scheduled_start) : t("not_scheduled")),
      el("td", {}, request.engineer_name ?? "—"),
      el("td", {}, request.to_location_name),
      el("td", {}, el("span", { class: "sku" }, request.sku), " ", request.part_name),
      el("td", { class: "num" }, request.quantity),
      el("td", { class: "num" }, here),
      el("td", {}, el("span", { class: `badge status-${request.status}` }, t(`status.${request.status}`)),
        request.expected_date ? el("div", { class: "muted" }, request.expected_date) : null),
      el("td", {}, pending ? el("button", { type: "button", class: "primary", dataset: { issue: request.id },
        onclick: () => openIssue(request) }, t("issue")) : null));
  }));
  labelCells($("#queue-table"));
}

async function openIssue(request) {
  $$("#queue-table tr.issue-row").forEach((row) => row.remove());
  const row = $(`#queue-table tr[data-request="${request.id}"]`);
  const error = el("p", { class: "error", role: "alert" });
  const from = el("select", { name: "from" }, ...locations.filter((l) => l.kind === "warehouse")
    .map((l) => el("option", { value: l.id }, l.name)));
  from.value = queueFilters().get("warehouse") || from.value;
  const availability = el("p", { class: "muted" });
  const serialBox = el("fieldset", { class: "serials" });
  const send = el("button", { type: "submit", class: "primary" }, t("send"));
  const form = el("form", { class: "issue-form", dataset: { issueFor: request.id } },
    el("label", {}, `${t("kind.warehouse")} `, from), availability, serialBox, error,
    el("div", { class: "actions" }, send,
      el("button", { type: "button", onclick: () => { panel.remove(); loadQueue(); } }, t("close"))));
  const panel = el("tr", { class: "issue-row" }, el("td", { colspan: 9 }, form));
  row.after(panel);

  // Take the request off the queue for the others while it is being picked.
  if (request.status !== "picking") {
    const picked = await change(`${INVENTORY}/part-requests/${request.id}/pick`, {});
    if (!picked.ok) error.textContent = explain(picked);
  }

  async function showStock() {
    const level = (await fetchAll(`${INVENTORY}/levels?location_id=${from.value}&part_id=${request.part_id}`))[0];
    availability.textContent = t("available_at", { n: level?.available ?? 0 });
    serialBox.replaceChildren();
    serialBox.hidden = !request.serial_tracked;
    if (!request.serial_tracked) return;
    const serials = await fetchAll(`${INVENTORY}/serials?part_id=${request.part_id}&location_id=${from.value}`);
    serialBox.append(el("legend", {}, t("choose_serials", { n: request.quantity })),
      ...(serials.length ? serials.map((unit, index) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: "serial", value: unit.serial,
                      checked: index < request.quantity }), ` ${unit.serial}`))
        : [el("span", { class: "muted" }, t("no_serials"))]));
  }
  from.addEventListener("change", showStock);
  await showStock();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    const serials = $$("input[name=serial]:checked", form).map((box) => box.value);
    const answer = await change(`${INVENTORY}/part-requests/${request.id}/fulfil`,
      { from_location_id: Number(from.value), ...(request.serial_tracked ? { serials } : {}) });
    send.disabled = false;
    if (!answer.ok) {
      error.textContent = explain(answer);
      return;
    }
    flash(t("sent", { qty: request.quantity, sku: request.sku, van: request.to_location_name }));
    await loadQueue();
  });
}

// -- returns ----------------------------------------------------------------------------

function serialCheckboxes(fieldset, serials) {
  fieldset.hidden = false;
  $("div", fieldset).replaceChildren(...(serials.length ? serials.map((unit) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "serial", value: unit.serial }), ` ${unit.serial}`))
    : [el("span", { class: "muted" }, t("no_serials"))]));
}

/** Replace a select's options, keeping the choice made meanwhile when it is still offered. */
function replaceOptions(select, options) {
  const chosen = select.value;
  select.replaceChildren(...options);
  if (chosen && options.some((option) => option.value === chosen)) select.value = chosen;
}

async function vanPartsChanged() {
  const form = $("#van-return");
  const van = form.van.value;
  const stock = await fetchAll(`${INVENTORY}/levels?location_id=${van}`);
  if (form.van.value !== van) return;   // another van was chosen while this one loaded
  replaceOptions(form.part, [el("option", { value: "" }, t("choose_part")),
    ...stock.filter((level) => level.available > 0).map((level) => el("option", {
      value: level.part_id, dataset: { tracked: level.serial_tracked, sku: level.sku } },
      `${level.sku} ${level.part_name} (${level.available})`))]);
  await vanPartChosen();
}

async function vanPartChosen() {
  const form = $("#van-return");
  const option = form.part.selectedOptions[0];
  const fieldset = $(".serials", form);
  fieldset.hidden = true;
  if (!option?.value || option.dataset.tracked !== "true") return;
  serialCheckboxes(fieldset, await fetchAll(
    `${INVENTORY}/serials?part_id=${option.value}&location_id=${form.van.value}`));
}

async function receiveFromVan(event) {
  event.preventDefault();
  const form = event.target;
  const error = $(".error", form);
  const option = form.part.selectedOptions[0];
  const tracked = option?.dataset.tracked === "true";
  const serials = $$("input[name=serial]:checked", form).map((box) => box.value);
  const quantity = tracked ? serials.length : Number(form.quantity.value);
  const answer = await change(`${INVENTORY}/transfers`, {
    part_id: Number(form.part.value), from_location_id: Number(form.van.value),
    to_location_id: Number(form.to.value), quantity, ...(tracked ? { serials } : {}), note: "return from van" });
  if (!answer.ok) {
    error.textContent = explain(answer);
    return;
  }
  error.textContent = "";
  flash(t("returned", { qty: quantity, sku: option.dataset.sku, place: locationName(Number(form.to.value)) }));
  await vanPartsChanged();
}

let jobOrder = null;

async function findOrder() {
  const form = $("#job-return");
  const number = form.number.value.trim();
  const found = await api("GET", `/api/v1/work-orders?q=${encodeURIComponent(number)}&page_size=20`);
  jobOrder = found.ok ? found.body.find((order) => order.number.toLowerCase() === number.toLowerCase()) : null;
  const error = $(".error", form);
  $("[data-order]", form).textContent = jobOrder ? `${jobOrder.number} · ${jobOrder.title}` : "";
  error.textContent = jobOrder ? "" : t("order_not_found");
  await jobPartsChanged();
}

async function jobPartsChanged() {
  const form = $("#job-return");
  const removed = form.what.value === "removed";
  const kinds = form.what.value === "unused" ? ["warehouse", "van"] : ["returns"];
  replaceOptions(form.to, locations.filter((l) => kinds.includes(l.kind))
    .map((l) => el("option", { value: String(l.id) }, l.name)));
  if (!jobOrder) {
    form.part.replaceChildren();
    return;
  }
  const all = await catalogue();
  let choices;
  if (removed) {
    choices = [...all.values()];
  } else {
    const cost = await api("GET", `${INVENTORY}/work-orders/${jobOrder.id}/parts-cost`);
    const lines = cost.ok ? cost.body.lines.filter((line) => line.issued > line.returned) : [];
    if (!lines.length) $(".error", form).textContent = t("no_parts_on_order");
    choices = lines.map((line) => ({ ...all.get(line.part_id), outstanding: line.issued - line.returned }));
  }
  replaceOptions(form.part, [el("option", { value: "" }, t("choose_part")), ...choices.map((part) => el("option", {
    value: String(part.id), dataset: { sku: part.sku } },
    `${part.sku} ${part.name}${part.outstanding ? ` (${part.outstanding})` : ""}`))]);
}

async function receiveFromJob(event) {
  event.preventDefault();
  const form = event.target;
  const error = $(".error", form);
  if (!jobOrder) {
    error.textContent = t("order_not_found");
    return;
  }
  const part = (await catalogue()).get(Number(form.part.value));
  const serials = serialsFrom(form.serials.value);
  const quantity = part?.serial_tracked && serials.length ? serials.length : Number(form.quantity.value);
  const body = { part_id: Number(form.part.value), work_order_id: jobOrder.id, to_location_id: Number(form.to.value),
                 quantity, ...(serials.length ? { serials } : {}) };
  const removed = form.what.value === "removed";
  if (!removed) body.defective = form.what.value === "defective";
  const answer = await change(`${INVENTORY}/${removed ? "removals" : "returns"}`, body);
  if (!answer.ok) {
    error.textContent = explain(answer);
    return;
  }
  error.textContent = "";
  form.serials.value = "";
  flash(t("returned", { qty: quantity, sku: part?.sku ?? "", place: locationName(body.to_location_id) }));
  await jobPartsChanged();
}

// -- stock by location ------------------------------------------------------------------

const loadStock = latestOnly(async () => {
  const filters = new FormData($("#stock-filters"));
  const query = new URLSearchParams();
  if (filters.get("location")) query.set("location_id", filters.get("location"));
  if (filters.get("q")?.trim()) query.set("q", filters.get("q").trim());
  if (filters.get("low")) query.set("low", "true");
  const levels = await fetchAll(`${INVENTORY}/levels?${query}`);
  return () => drawStock(levels);
});

function drawStock(levels) {
  const body = $("#stock-table tbody");
  if (!levels.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("stock_empty"))));
    return;
  }
  body.replaceChildren(...levels.map((level) => el("tr", {
    class: level.low ? "low" : null, title: level.low ? t("low") : null,
    dataset: { part: level.part_id, location: level.location_id } },
    el("td", { class: "sku" }, level.sku), el("td", {}, level.part_name),
    el("td", {}, level.location_name), el("td", { class: "num" }, level.on_hand),
    el("td", { class: "num" }, level.reserved),
    el("td", { class: "num available" }, level.available, level.low ? el("span", { class: "low-flag" }, ` ▼ ${t("low")}`) : null),
    el("td", { class: "num" }, level.minimum ?? "—"))));
  labelCells($("#stock-table"));
}

// -- stock count ------------------------------------------------------------------------

let countRows = [];

const loadCount = latestOnly(async () => {
  const form = $("#count-form");
  if (!form.location.value) return () => {};
  const query = new URLSearchParams({ location_id: form.location.value });
  if (form.q.value.trim()) query.set("q", form.q.value.trim());
  const levels = await fetchAll(`${INVENTORY}/levels?${query}`);
  const rows = await Promise.all(levels.map(async (level) => ({
    level,
    books: level.serial_tracked
      ? (await fetchAll(`${INVENTORY}/serials?part_id=${level.part_id}&location_id=${level.location_id}`))
        .map((unit) => unit.serial) : null,
  })));
  return () => drawCount(rows);
});

function drawCount(rows) {
  const form = $("#count-form");
  countRows = rows;
  $("#count-table tbody").replaceChildren(...countRows.map(({ level, books }) => el("tr", {
    dataset: { part: level.part_id } },
    el("td", { class: "sku" }, level.sku), el("td", {}, level.part_name),
    el("td", { class: "num" }, level.on_hand),
    el("td", {}, books
      ? el("textarea", { name: `serials-${level.part_id}`, rows: Math.min(Math.max(books.length, 1), 4),
                         title: t("serials_hint"), "aria-label": `${level.sku} ${t("serials_hint")}` },
        books.join("\n"))
      : el("input", { type: "number", min: 0, name: `counted-${level.part_id}`, value: level.on_hand,
                      "aria-label": level.sku, class: "counted" })),
    el("td", { class: "num difference" }, ""))));
  $("[data-confirm]", form).disabled = true;
  $("[data-summary]", form).replaceChildren();
  $(".error", form).textContent = "";
}

/** What each row's count would change: the counted quantity and the difference. */
function countDifferences() {
  const form = $("#count-form");
  return countRows.map(({ level, books }) => {
    if (books) {
      const serials = serialsFrom(form[`serials-${level.part_id}`].value);
      return { level, counted: serials.length, serials, difference: serials.length - level.on_hand,
               changed: serials.length !== books.length || serials.some((s) => !books.includes(s)) };
    }
    const counted = Number(form[`counted-${level.part_id}`].value);
    return { level, counted, difference: counted - level.on_hand, changed: counted !== level.on_hand };
  });
}

function reviewCount() {
  const form = $("#count-form");
  const rows = countDifferences();
  for (const { level, difference, changed } of rows) {
    const row = $(`#count-table tr[data-part="${level.part_id}"]`);
    row.classList.toggle("changed", changed);
    $(".difference", row).textContent = changed ? (difference > 0 ? `+${difference}` : String(difference)) : "";
  }
  const changes = rows.filter((row) => row.changed);
  $("[data-summary]", form).replaceChildren(changes.length
    ? el("p", {}, `${t("difference")}: ${changes.map((c) => `${c.level.sku} ${c.level.on_hand} → ${c.counted}`).join(", ")}`)
    : el("p", { class: "muted" }, t("no_differences")));
  $("[data-confirm]", form).disabled = !changes.length;
}

async function confirmCount(event) {
  event.preventDefault();
  const form = event.target;
  const error = $(".error", form);
  if (!form.reason.value.trim()) {
    error.textContent = t("reason_needed");
    return;
  }
  const changes = countDifferences().filter((row) => row.changed);
  const problems = [];
  let done = 0;
  for (const { level, counted, serials } of changes) {
    const answer = await change(`${INVENTORY}/adjustments`, {
      part_id: level.part_id, location_id: level.location_id, counted, reason: form.reason.value.trim(),
      ...(serials ? { serials } : {}) });
    if (answer.ok) done += 1;
    else problems.push(`${level.sku}: ${explain(answer)}`);
  }
  await loadCount();
  error.textContent = problems.join(" · ");
  flash(t("counted", { n: done }));
}

// -- wiring -----------------------------------------------------------------------------

async function start() {
  locations = await fetchAll(`${INVENTORY}/locations`);
  fillLocationSelects();
  $("#queue-filters").addEventListener("change", loadQueue);
  let typing;
  $("#stock-filters").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(loadStock, 250); });
  $("#stock-filters").addEventListener("submit", (event) => { event.preventDefault(); loadStock(); });
  const vanForm = $("#van-return");
  vanForm.van.addEventListener("change", vanPartsChanged);
  vanForm.part.addEventListener("change", vanPartChosen);
  vanForm.addEventListener("submit", receiveFromVan);
  const jobForm = $("#job-return");
  $("[data-find]", jobForm).addEventListener("click", findOrder);
  jobForm.number.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); findOrder(); }
  });
  jobForm.what.addEventListener("change", jobPartsChanged);
  jobForm.addEventListener("submit", receiveFromJob);
  const countForm = $("#count-form");
  countForm.location.addEventListener("change", loadCount);
  countForm.q.addEventListener("change", loadCount);
  $("[data-review]", countForm).addEventListener("click", reviewCount);
  countForm.addEventListener("submit", confirmCount);
  await Promise.all([vanPartsChanged(), jobPartsChanged()]);
  window.addEventListener("hashchange", showTab);
  showTab();
  document.body.dataset.ready = "true";
}

start();
