// The releases page: create a release (a job: its progress is polled here), list the
// project's releases with counts, the tar's sha256, the validation result and the download.

import { mountLabelExports } from "./components/label_exports.js";
import { get, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber } from "./lib/format.js";
import { showError, statusLine } from "./lib/notice.js";
import { Drawn, Poller } from "./lib/poll.js";
import { jobUrl } from "./lib/urls.js";
import { badge, progressBar } from "./lib/widgets.js";

const root = $("releases-app");
const projectId = Number(root.dataset.projectId);
const form = $("release-form");
const statusBox = $("release-status");
const say = statusLine(statusBox);
const tbody = $("release-table").querySelector("tbody");
const ACTIVE = new Set(["pending", "writing"]);
const STATUS = { pending: "Pending", writing: "Writing", done: "Done", failed: "Failed" };
const drawn = new Drawn();
let started = null; // the release this page started: the status line follows it to the end

function validationCell(r) {
  if (r.valid === true) return el("td", { class: "ok", text: "valid" });
  if (r.valid === false) {
    const problems = r.validation || [];
    return el("td", { class: "row-error", title: problems.join("\n"), text: `${problems.length} problem(s)` });
  }
  return el("td", { class: "muted", text: "—" });
}

function statusCell(r) {
  const cell = el("td", {}, badge(r.status, STATUS[r.status]));
  if (ACTIVE.has(r.status) && r.job) {
    cell.append(" ", progressBar(r.progress || 0, `Writing ${r.name}-${r.version}`), " ",
      el("a", { href: jobUrl(r.job), text: `job #${r.job}` }));
  }
  if (r.status === "failed" && r.error) cell.append(el("div", { class: "row-error small", text: r.error }));
  return cell;
}

function row(r) {
  const sha = r.sha256 ? el("code", { title: r.sha256, text: `${r.sha256.slice(0, 16)}…` }) : "—";
  const download = r.download ? el("a", { href: r.download, download: r.tar, text: r.tar }) : "—";
  const name = `${r.name}-${r.version}` + (r.labels_only ? " (labels only)" : "");
  return el("tr", { dataset: { release: r.id } },
    el("td", { text: name }), statusCell(r),
    el("td", { class: "num", text: formatNumber(r.clips) }),
    el("td", { class: "num", text: formatNumber(r.poses) }),
    el("td", { class: "num", text: formatNumber(r.videos) }),
    el("td", { class: "num", text: formatNumber(r.subjects) }),
    el("td", {}, sha), validationCell(r), el("td", {}, download));
}

async function refresh() {
  let releases;
  try {
    releases = await get(`projects/${projectId}/releases/`);
  } catch (err) {
    showError($("page-error"), `Releases could not be loaded: ${err.message}`);
    return true;
  }
  showError($("page-error"), "");
  if (drawn.changed("releases", releases)) {
    tbody.replaceChildren(...(releases.length ? releases.map(row)
      : [el("tr", {}, el("td", { colspan: "9", class: "muted", text: "No release yet." }))]));
  }
  followStarted(releases);
  root.classList.add("ready");
  return releases.some((r) => ACTIVE.has(r.status));
}

/** The status line says how the release this page started ended, not "Writing" forever. */
function followStarted(releases) {
  const r = started && releases.find((x) => x.id === started);
  if (!r || ACTIVE.has(r.status)) return;
  started = null;
  const name = `${r.name}-${r.version}`;
  if (r.status === "done") {
    say(`Release ${name} written (${formatNumber(r.clips)} clips): `, "ok", r.download ? el("a", { href: r.download, download: r.tar, text: r.tar }) : "");
  } else {
    say(`Release ${name} failed: ${r.error || "see its job"} `, "error", el("a", { href: jobUrl(r.job), text: `job #${r.job}` }));
  }
}

/** A refusal: its first sentence, then one line per reason with links to the clips at fault. */
function refusal(err) {
  const groups = (err.data && err.data.groups) || [];
  if (!groups.length) return el("p", { class: "row-error refusal-text", role: "alert", text: err.message });
  const head = String((err.data && err.data.detail) || err.message).split("\n")[0];
  const clipLink = (c) => el("a", {
    href: `${root.dataset.clipsUrl}?video_external_id=${encodeURIComponent(c.video)}#clip-${c.id}`,
    text: `clip ${c.id}`,
    title: `video ${c.video} [${c.start_frame}, ${c.end_frame}] C${c.category}`,
  });
  return el("div", { class: "refusal", role: "alert" },
    el("p", { class: "row-error", text: head }),
    el("ul", {}, ...groups.map((g) => el("li", { dataset: { clips: g.clips.length } },
      el("strong", { text: g.reason || "cannot be released" }),
      ` — ${g.clips.length} clip${g.clips.length === 1 ? "" : "s"}: `,
      ...g.clips.flatMap((c, n) => [n ? ", " : "", clipLink(c)]),
    ))));
}

const poller = new Poller(refresh, 1500);

$("release-protocol-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("release-protocol").value = await file.text();
  form.querySelector("input[value=protocol]").checked = true;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const body = { name: data.get("name"), version: data.get("version"), licence: data.get("licence") || "" };
  if (data.get("split-source") === "protocol") {
    body.protocol = $("release-protocol").value;
    if (!body.protocol.trim()) {
      say("Paste or choose the protocol text.", "error");
      return;
    }
  } else {
    body.seed = Number(data.get("seed")) || 0;
    body.test_fraction = Number(data.get("test_fraction")) || 0.25;
  }
  const button = $("release-create");
  button.disabled = true;
  try {
    const { job, release } = await post(`projects/${projectId}/releases/`, body);
    started = release.id;
    say(`Writing ${release.name}-${release.version} — `, "", el("a", { href: jobUrl(job), text: `job #${job}` }));
  } catch (err) {
    statusBox.replaceChildren(refusal(err));
  } finally {
    button.disabled = false;
  }
  poller.now();
});

poller.now();
mountLabelExports($("label-exports"), projectId);
