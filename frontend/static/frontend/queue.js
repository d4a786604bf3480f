// The labeler's queue: their assignments in queue order (an admin sees every assignment).
// Training samples are marked, and "Start" / "Continue" takes them first (lib/queue_order.js).

import { get, getAll } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber } from "./lib/format.js";
import { showError } from "./lib/notice.js";
import { Drawn, Poller } from "./lib/poll.js";
import { nextUp } from "./lib/queue_order.js";
import { BUSY_VIDEO_STATES } from "./lib/states.js";
import { urlWithId } from "./lib/urls.js";
import { badge } from "./lib/widgets.js";

const pageError = $("page-error");
const drawn = new Drawn();

function row(a, showLabeler) {
  const video = a.video || {};
  return el(
    "tr",
    { dataset: { assignmentId: a.id, externalId: video.external_id, state: a.state } },
    el("td", { class: "num", text: String(a.position) }),
    el("th", { scope: "row" }, el("a", { href: annotateUrl(a), text: video.external_id || "—" }),
      a.is_training ? el("span", { class: "badge status-training", title: "A training sample: every labeler labels it; it never enters the dataset", text: "training" }) : null),
    showLabeler ? el("td", { class: "col-labeler", text: a.labeler || "—" }) : null,
    el("td", {}, badge(a.state)),
    el("td", {}, badge(video.status)),
    el("td", { class: "num", text: formatNumber(video.num_frames) }),
    el("td", { class: "num", text: formatNumber(video.fps, 3) }),
    el("td", { class: "num", text: formatNumber(a.segment_count) }),
    el("td", { class: "num", text: formatNumber(a.last_frame) }),
  );
}

const annotateUrl = (a) => urlWithId($("queue-app").dataset.annotateUrl, a.id);

function summary(items) {
  const count = (state) => items.filter((a) => a.state === state).length;
  const total = items.length;
  return `${total} video${total === 1 ? "" : "s"}: ${count("assigned")} to start, ` +
    `${count("in_progress")} in progress, ${count("submitted")} submitted.`;
}

async function load(me) {
  const items = await getAll("assignments/", { page_size: 200 });
  items.sort((a, b) => String(a.labeler).localeCompare(String(b.labeler)) || a.position - b.position);
  showError(pageError, "");
  if (drawn.changed("queue", items)) {
    const showLabeler = me.role === "admin";
    document.querySelectorAll(".col-labeler").forEach((th) => {
      th.hidden = !showLabeler;
    });
    $("queue-table").tBodies[0].replaceChildren(...items.map((a) => row(a, showLabeler)));
    $("queue-empty").hidden = items.length > 0;
    $("queue-table").hidden = items.length === 0;
    $("queue-summary").textContent = summary(items);
    const next = showLabeler ? null : nextUp(items);
    const link = $("continue-link");
    link.hidden = !next;
    if (next) {
      link.href = annotateUrl(next);
      const training = next.is_training ? " (training)" : "";
      link.textContent = next.state === "in_progress"
        ? `Continue video ${next.video.external_id}${training} at frame ${next.last_frame}`
        : `Start video ${next.video.external_id}${training}`;
    }
  }
  $("queue-app").classList.add("ready");
  // Keep the video states fresh while some of the queue is still being ingested.
  return items.some((a) => a.video && BUSY_VIDEO_STATES.has(a.video.status));
}

async function main() {
  let me;
  try {
    me = await get("me/");
  } catch (err) {
    $("queue-summary").textContent = "";
    showError(pageError, `Could not load your account: ${err.message}`);
    return;
  }
  const poller = new Poller(async () => {
    try {
      return await load(me);
    } catch (err) {
      showError(pageError, `Could not load the queue: ${err.message}`);
      return true;
    }
  }, 5000);
  poller.now();
}

main();
