// Live updates: the day is asked for again every few seconds (engineers checking in,
// completing, reporting positions), and redrawn only when something changed. Paused
// while the tab is hidden or the dispatcher is dragging.
import { formatTime, t } from "../api.js";

export class LivePoller {
  constructor({ seconds, refresh, isBusy, status }) {
    Object.assign(this, { seconds, refresh, isBusy, status });
    this.timer = null;
  }

  start() {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.seconds * 1000);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.tick(); });
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async tick() {
    if (document.hidden || this.isBusy() || this.running) return;
    this.running = true;
    try {
      const ok = await this.refresh();
      this.shown(ok);
    } finally {
      this.running = false;
    }
  }

  /** Say when the page last heard from the server. */
  shown(ok) {
    this.status.textContent = ok ? t("live.updated", { time: formatTime(new Date().toISOString()) })
                                 : t("live.failed");
    this.status.classList.toggle("error", !ok);
  }
}
