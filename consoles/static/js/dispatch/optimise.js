// "Optimise": a dispatch run of the day in the background worker, its progress and
// best objective while it searches, then a preview of what it would change, to apply
// or discard.
import { api, el, formatTime, t } from "../api.js";
import { errorMessage } from "./candidates.js";

const POLL_MS = 1000;
// The day's orders the optimiser may (re)plan; accepted and travelling work is pinned by the API.
const PLANNABLE = new Set(["new", "assigned"]);

export class Optimiser {
  constructor({ form, panel, progress, status, preview, day, orders, engineerNames, onPreview, onDone, notify }) {
    Object.assign(this, { form, panel, progress, status, preview, day, orders, engineerNames, onPreview, onDone,
                          notify });
    this.run = null;
    form?.addEventListener("submit", (event) => { event.preventDefault(); this.start(); });
  }

  get busy() { return this.run !== null; }

  async start() {
    // Exactly the orders of the day on the map: the run never sweeps in orders of other days.
    const orderIds = this.orders().filter((o) => PLANNABLE.has(o.status)).map((o) => o.id);
    if (!orderIds.length) {
      this.notify(t("optimise.nothing"));
      return;
    }
    const button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    this.panel.hidden = false;
    this.preview.replaceChildren();
    this.progress.value = 0;
    this.status.textContent = t("optimise.starting");
    const answer = await api("POST", "/api/v1/dispatch/runs", { json: {
      date: this.day(), time_limit_s: Number(this.form.elements.time_limit_s.value), order_ids: orderIds } });
    if (!answer.ok) {
      button.disabled = false;
      this.status.textContent = t("optimise.error", { message: errorMessage(answer) });
      return;
    }
    this.run = answer.body;
    this.follow();
  }

  async follow() {
    while (this.run) {
      const answer = await api("GET", `/api/v1/dispatch/runs/${this.run.id}`);
      if (!this.run) return;
      if (answer.ok) {
        this.run = answer.body;
        this.showProgress(this.run);
        if (this.run.status === "succeeded") return this.showPreview(this.run);
        if (["failed", "discarded", "applied"].includes(this.run.status)) return this.finish();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  showProgress(run) {
    this.progress.value = run.progress_pct;
    this.panel.dataset.runStatus = run.status;
    const parts = [run.status === "queued" ? t("optimise.queued") : t("optimise.running", { pct: run.progress_pct })];
    if (run.status === "failed") parts[0] = t("optimise.failed", { error: run.error || "" });
    if (run.best_objective?.assigned !== undefined) {
      parts.push(t("optimise.best", { assigned: run.best_objective.assigned,
                                      travel: Math.round((run.best_objective.travel_s || 0) / 60) }));
    }
    this.status.replaceChildren(...parts.map((p) => el("span", { class: "line" }, p)));
  }

  showPreview(run) {
    const changes = run.changes || [];
    const changing = changes.filter((c) => !["unchanged", "unplanned", "unassigned"].includes(c.kind));
    const unassigned = changes.filter((c) => c.kind === "unassigned");
    const names = this.engineerNames();
    const rows = changes.filter((c) => c.kind !== "unchanged").map((c) =>
      el("tr", { dataset: { kind: c.kind, orderId: c.order_id } },
         el("td", {}, c.number),
         el("td", {}, t(`change.${c.kind}`)),
         el("td", {}, c.engineer_id ? (names.get(c.engineer_id) || `#${c.engineer_id}`)
                                    : (c.reason ? t(`reason.${c.reason}`) : "")),
         el("td", {}, c.start ? formatTime(c.start) : "")));
    this.preview.replaceChildren(
      el("p", { class: "preview-summary" }, t("optimise.preview", { changes: changing.length,
                                                                      unassigned: unassigned.length })),
      rows.length ? el("div", { class: "preview-table" }, el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, t("order")), el("th", {}, t("change")),
                           el("th", {}, t("engineer_column")), el("th", {}, t("start")))),
        el("tbody", {}, ...rows))) : null,
      el("div", { class: "actions" },
         el("button", { type: "button", class: "primary", id: "apply-run", onclick: () => this.apply() }, t("apply")),
         el("button", { type: "button", id: "discard-run", onclick: () => this.discard() }, t("discard"))));
    this.onPreview(run.plan);
  }

  async apply() {
    const run = this.run;
    const answer = await api("POST", `/api/v1/dispatch/runs/${run.id}/apply`);
    if (answer.ok) {
      const count = Object.entries(answer.body.applied_counts || {})
        .filter(([kind]) => kind !== "unchanged").reduce((sum, [, n]) => sum + n, 0);
      this.notify(t("optimise.applied", { count }));
    } else if (answer.body?.status === "plan_stale") {
      this.notify(t("optimise.stale", { numbers: (answer.body.details?.changed || []).join(", ") }), "error");
    } else {
      this.notify(errorMessage(answer), "error");
    }
    this.finish();
  }

  async discard() {
    const answer = await api("POST", `/api/v1/dispatch/runs/${this.run.id}/discard`);
    this.notify(answer.ok ? t("optimise.discarded") : errorMessage(answer), answer.ok ? "info" : "error");
    this.finish();
  }

  finish() {
    const failed = this.run?.status === "failed";
    this.run = null;
    this.form.querySelector("button[type=submit]").disabled = false;
    if (!failed) {
      this.panel.hidden = true;
      this.preview.replaceChildren();
    }
    this.onPreview(null);
    this.onDone();
  }
}
