// Manual assignment: the engineers ranked for one order (ETA, added travel, distance,
// warnings), the assignment check of the chosen slot, then the assignment itself —
// overriding blocking warnings only when the dispatcher says so.
import { api, el, formatTime, t } from "../api.js";
import { engineerColour, warningLabel } from "./symbols.js";

/** A readable message from an API error answer. */
export function errorMessage(answer) {
  return answer.body?.message || `HTTP ${answer.status}`;
}

/** Assign (or move) an order: check first; with blocking warnings ask `confirm(warnings)`
 * and only then override. Resolves to the assign answer, or null when the user declined. */
export async function assignWithCheck({ orderId, engineerId, start, end, confirm }) {
  const check = await api("POST", `/api/v1/work-orders/${orderId}/assignment-check`,
                          { json: { engineer_id: engineerId, scheduled_start: start, scheduled_end: end } });
  if (!check.ok) return check;
  let override = false;
  if (!check.body.feasible) {
    if (!(await confirm(check.body.warnings))) return null;
    override = true;
  }
  return api("POST", `/api/v1/work-orders/${orderId}/assign`,
             { json: { engineer_id: engineerId, scheduled_start: start, scheduled_end: end, override } });
}

export class CandidatesPanel {
  constructor(panel, { canPlan, day, onAssigned, notify }) {
    this.panel = panel;
    this.canPlan = canPlan;
    this.day = day;              // () => the day shown
    this.onAssigned = onAssigned;
    this.notify = notify;
    this.order = null;
  }

  close() {
    this.order = null;
    this.panel.hidden = true;
    this.panel.replaceChildren();
  }

  async open(order) {
    this.order = order;
    this.panel.hidden = false;
    this.panel.replaceChildren(this.heading(order), el("p", { class: "muted" }, t("candidates.loading")));
    const answer = await api("GET", `/api/v1/work-orders/${order.id}/candidates?date=${this.day()}&limit=50`);
    if (this.order !== order) return;
    if (!answer.ok) {
      this.panel.replaceChildren(this.heading(order), el("p", { class: "error" }, errorMessage(answer)));
      return;
    }
    const list = el("ol", { class: "candidate-list" }, ...answer.body.map((c) => this.item(order, c)));
    this.panel.replaceChildren(this.heading(order),
                               answer.body.length ? list : el("p", { class: "muted" }, t("candidates.none")));
  }

  heading(order) {
    return el("div", { class: "panel-head" },
              el("h2", {}, t("candidates.title", { number: order.number })),
              el("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => this.close() }, "×"));
  }

  item(order, candidate) {
    const facts = [];
    if (candidate.eta) facts.push(t("candidates.eta", { time: formatTime(candidate.eta) }));
    if (candidate.added_travel_s !== null) {
      facts.push(t("candidates.added_travel", { minutes: Math.round(candidate.added_travel_s / 60) }));
    }
    facts.push(t("candidates.distance", { km: (candidate.distance_m / 1000).toFixed(1) }));
    facts.push(t("candidates.load", { jobs: candidate.jobs_that_day, minutes: candidate.booked_minutes }));
    const warnings = candidate.warnings.map((code) =>
      el("li", { class: "warning", dataset: { code } }, warningLabel(code)));
    const item = el("li", { class: `candidate ${candidate.feasible ? "feasible" : "infeasible"}`,
                            dataset: { engineerId: candidate.engineer_id } },
      el("div", { class: "candidate-head" },
         el("span", { class: "tl-dot", style: `background: ${engineerColour(candidate.engineer_id)}` }),
         el("strong", {}, candidate.name), " ",
         el("span", { class: "badge" }, t(candidate.feasible ? "candidates.feasible" : "candidates.infeasible"))),
      el("div", { class: "muted" }, facts.join(" · ")),
      warnings.length ? el("ul", { class: "warnings" }, ...warnings) : null);
    if (this.canPlan && candidate.start) {
      const button = el("button", { type: "button", class: "assign primary" }, t("assign"));
      button.addEventListener("click", () => this.assign(order, candidate, item, button));
      item.append(button);
    }
    return item;
  }

  /** Blocking warnings of the check are shown in the item; a second click assigns anyway. */
  async assign(order, candidate, item, button) {
    button.disabled = true;
    button.textContent = t("candidates.checking");
    const answer = await assignWithCheck({
      orderId: order.id, engineerId: candidate.engineer_id, start: candidate.start, end: candidate.end,
      confirm: (warnings) => this.confirm(item, warnings, button),
    });
    button.disabled = false;
    button.textContent = t("assign");
    if (answer === null) return;
    if (!answer.ok) {
      this.notify(t("assign_failed", { number: order.number, message: errorMessage(answer) }), "error");
      return;
    }
    this.notify(t("assigned", { number: order.number, name: candidate.name, time: formatTime(candidate.start) }));
    this.close();
    this.onAssigned(order.id);
  }

  confirm(item, warnings, button) {
    return new Promise((resolve) => {
      item.querySelector(".check")?.remove();
      const box = el("div", { class: "check" },
        el("ul", { class: "warnings" }, ...warnings.map((w) =>
          el("li", { class: `warning ${w.blocking ? "blocking" : ""}`, dataset: { code: w.code } },
             warningLabel(w.code)))),
        el("button", { type: "button", class: "assign-anyway", onclick: () => { box.remove(); resolve(true); } },
           t("assign_anyway")),
        el("button", { type: "button", onclick: () => { box.remove(); resolve(false); } }, t("cancel")));
      button.after(box);
    });
  }
}
