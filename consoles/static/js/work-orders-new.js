// A new work order: customer → site → asset, the work type's custom fields built from
// its template, checked here first and then by the API, whose 422 errors are shown
// beside the fields they are about.
import { api, el, t } from "./api.js";
import { zonedIso } from "./work-orders-common.js";

const form = document.getElementById("new-order");
const search = document.getElementById("customer-search");
const results = document.getElementById("customer-results");
const siteSelect = form.elements.site_id;
const assetSelect = form.elements.asset_id;
let template = null;

// --- errors beside fields -----------------------------------------------------------------------

function fieldBox(path) {
  return form.querySelector(`.wo-field[data-field="${CSS.escape(path)}"]`);
}

function clearErrors() {
  form.querySelectorAll(".wo-field.invalid").forEach((box) => box.classList.remove("invalid"));
  form.querySelectorAll(".field-error").forEach((message) => { message.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  document.getElementById("form-error").textContent = "";
}

/** Show `errors` ({path: message}); answers whether every one found its field. */
function showErrors(errors) {
  let placed = true;
  for (const [path, message] of Object.entries(errors)) {
    const box = fieldBox(path);
    if (!box) { placed = false; continue; }
    box.classList.add("invalid");
    box.querySelector(".field-error").textContent = message;
    box.querySelectorAll("input, select, textarea").forEach((control) => control.setAttribute("aria-invalid", "true"));
  }
  form.querySelector(".wo-field.invalid input:not([type=hidden]), .wo-field.invalid select, .wo-field.invalid textarea")?.focus();
  return placed;
}

/** The API's nested `errors` as {"custom_fields.units": "must be at most 50", …}. */
function flatten(errors, prefix = "") {
  const flat = {};
  for (const [name, value] of Object.entries(errors || {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (Array.isArray(value)) flat[path] = value.join(" ");
    else if (value && typeof value === "object") Object.assign(flat, flatten(value, path));
    else flat[path] = String(value);
  }
  return flat;
}

// --- customer, site, asset ----------------------------------------------------------------------

let searchTimer = null;
search.addEventListener("input", () => {
  form.elements.customer_id.value = "";
  clearTimeout(searchTimer);
  searchTimer = setTimeout(findCustomers, 250);
});

async function findCustomers() {
  const text = search.value.trim();
  if (!text) { results.hidden = true; return; }
  const answer = await api("GET", `/api/v1/customers?q=${encodeURIComponent(text)}&page_size=10`);
  const customers = answer.ok ? answer.body : [];
  results.replaceChildren(...(customers.length ? customers.map((customer) => el("li", {
      role: "option", tabindex: "0", dataset: { id: customer.id },
      onclick: () => chooseCustomer(customer),
      onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); chooseCustomer(customer); } } },
    customer.name)) : [el("li", { class: "muted" }, t("no_results"))]));
  results.hidden = false;
}

async function chooseCustomer(customer) {
  search.value = customer.name;
  form.elements.customer_id.value = customer.id;
  results.hidden = true;
  const answer = await api("GET", `/api/v1/sites?customer_id=${customer.id}&page_size=100`);
  const sites = answer.ok ? answer.body : [];
  siteSelect.replaceChildren(el("option", { value: "" }, t("pick_one")),
    ...sites.map((site) => el("option", { value: site.id }, `${site.name} · ${site.address}`)));
  siteSelect.disabled = false;
  if (sites.length === 1) siteSelect.value = sites[0].id;
  await loadAssets();
}

async function loadAssets() {
  assetSelect.replaceChildren(el("option", { value: "" }, t("no_asset")));
  assetSelect.disabled = !siteSelect.value;
  if (!siteSelect.value) return;
  const answer = await api("GET", `/api/v1/assets?site_id=${siteSelect.value}&page_size=100`);
  for (const asset of answer.ok ? answer.body : []) {
    assetSelect.append(el("option", { value: asset.id }, `${asset.model} · ${asset.serial_number}`));
  }
}
siteSelect.addEventListener("change", loadAssets);

// --- the template's custom fields ---------------------------------------------------------------

function control(definition) {
  const name = `cf:${definition.key}`;
  const id = `cf-${definition.key}`;
  switch (definition.kind) {
    case "number": return el("input", { id, name, type: "number", step: "any", inputmode: "decimal",
                                         min: definition.min_value, max: definition.max_value });
    case "date": return el("input", { id, name, type: "date" });
    case "boolean": return el("select", { id, name }, el("option", { value: "" }, "—"),
      el("option", { value: "true" }, t("yes")), el("option", { value: "false" }, t("no")));
    case "choice": return el("select", { id, name }, el("option", { value: "" }, "—"),
      ...definition.choices.map((choice) => el("option", { value: choice }, choice)));
    case "multi_choice": return el("div", { id, class: "wo-choices", role: "group" },
      ...definition.choices.map((choice) => el("label", {},
        el("input", { type: "checkbox", name, value: choice }), " ", choice)));
    default: return el("input", { id, name, maxlength: 2000 });
  }
}

function rangeHint(definition) {
  const hints = [];
  if (definition.min_value !== undefined && definition.min_value !== null) hints.push(t("at_least", { value: definition.min_value }));
  if (definition.max_value !== undefined && definition.max_value !== null) hints.push(t("at_most", { value: definition.max_value }));
  return hints.length ? el("span", { class: "muted" }, ` (${hints.join(", ")})`) : "";
}

async function loadTemplate() {
  const list = document.getElementById("custom-field-list");
  const answer = await api("GET", `/api/v1/work-order-templates?work_type=${form.elements.work_type.value}&is_active=true`);
  template = answer.ok && answer.body.length ? answer.body[0] : null;
  if (!template) { list.replaceChildren(el("p", { class: "muted" }, t("no_template"))); return; }
  list.replaceChildren(...template.fields.map((definition) => el("div", {
      class: "wo-field", dataset: { field: `custom_fields.${definition.key}`, kind: definition.kind } },
    el(definition.kind === "multi_choice" ? "span" : "label",
       { for: definition.kind === "multi_choice" ? undefined : `cf-${definition.key}`, class: "field-label" },
       definition.label, definition.required ? " *" : "", rangeHint(definition)),
    control(definition),
    el("p", { class: "field-error", role: "alert" }))));
}
form.elements.work_type.addEventListener("change", loadTemplate);

/** The custom fields' values as the API takes them, and what is wrong with them. */
function customFields() {
  const values = {};
  const errors = {};
  for (const definition of template?.fields || []) {
    const path = `custom_fields.${definition.key}`;
    const name = `cf:${definition.key}`;
    let value;
    if (definition.kind === "multi_choice") {
      value = [...form.querySelectorAll(`input[name="${CSS.escape(name)}"]:checked`)].map((box) => box.value);
      if (!value.length) value = undefined;
    } else {
      const raw = form.elements[name].value.trim();
      if (raw === "") value = undefined;
      else if (definition.kind === "number") {
        value = Number(raw);
        if (!Number.isFinite(value)) { errors[path] = t("not_a_number"); continue; }
        if (definition.min_value != null && value < definition.min_value) errors[path] = t("at_least", { value: definition.min_value });
        if (definition.max_value != null && value > definition.max_value) errors[path] = t("at_most", { value: definition.max_value });
      } else if (definition.kind === "boolean") value = raw === "true";
      else value = raw;
    }
    if (value === undefined) {
      if (definition.required) errors[path] = t("required");
      continue;
    }
    values[definition.key] = value;
  }
  return { values, errors };
}

// --- submitting ---------------------------------------------------------------------------------

function orderFromForm() {
  const errors = {};
  const field = (name) => form.elements[name].value.trim();
  if (!field("customer_id")) errors.customer_id = t("required");
  if (!field("site_id")) errors.site_id = t(field("customer_id") ? "required" : "choose_customer_first");
  if (!field("title")) errors.title = t("required");
  const body = { customer_id: Number(field("customer_id")), site_id: Number(field("site_id")), title: field("title"),
                 work_type: field("work_type"), priority: field("priority"), channel: field("channel"),
                 description: form.elements.description.value };
  if (field("asset_id")) body.asset_id = Number(field("asset_id"));
  const start = field("window_start");
  const end = field("window_end");
  if (start || end) {
    if (!start) errors["window.start"] = t("required");
    if (!end) errors["window.end"] = t("required");
    if (start && end && end <= start) errors["window.end"] = t("end_after_start");
    if (start && end) {
      body.window = { start: zonedIso(start.slice(0, 10), start.slice(11, 16)),
                      end: zonedIso(end.slice(0, 10), end.slice(11, 16)) };
    }
  }
  const custom = customFields();
  body.custom_fields = custom.values;
  return { body, errors: { ...errors, ...custom.errors } };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const { body, errors } = orderFromForm();
  if (Object.keys(errors).length) {
    showErrors(errors);
    document.getElementById("form-error").textContent = t("fix_fields");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  const answer = await api("POST", "/api/v1/work-orders", { json: body });
  button.disabled = false;
  if (answer.status === 201) {
    location.assign(`/console/work-orders/${answer.body.id}`);
    return;
  }
  const placed = showErrors(flatten(answer.body?.errors));
  document.getElementById("form-error").textContent = placed && answer.status === 422
    ? t("fix_fields") : answer.body?.message || t("load_failed");
});

// Text typed before this module ran is searched too; `data-ready` tells the page is live.
loadTemplate().then(() => {
  if (search.value.trim()) findCustomers();
  form.dataset.ready = "true";
});
