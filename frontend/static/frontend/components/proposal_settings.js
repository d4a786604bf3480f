// The project page's "Machine proposals" card (docs/design.md §17): whole-video poses after
// ingest, whether labelers see proposals, which finished baseline run suggests their categories,
// and "Make proposals now". The server checks every choice (a run that cannot suggest is refused
// with the reason, shown here).

import { getAll, post, request } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { statusLine } from "../lib/notice.js";

const root = $("project-app");
const card = $("proposals-panel");
const projectId = Number(root && root.dataset.projectId);
const say = statusLine($("proposals-status"));
const posesBox = $("video-poses");
const shownBox = $("proposals-enabled");
const suggester = $("proposal-suggester");

function runLabel(run) {
  const top1 = run.metrics && typeof run.metrics.top1 === "number" ? ` · top-1 ${(100 * run.metrics.top1).toFixed(1)} %` : "";
  return `run ${run.id}: ${run.model} on ${run.release_name}${top1}`;
}

async function save(fields, done) {
  try {
    const project = await request(`projects/${projectId}/`, { method: "PATCH", json: fields });
    render(project);
    say(done, "ok");
  } catch (err) {
    say(`Not saved: ${err.message}`, "error");
    load();
  }
}

function render(project) {
  posesBox.checked = !!project.video_poses;
  shownBox.checked = !!project.proposals_enabled;
  suggester.value = project.proposal_suggester === null ? "" : String(project.proposal_suggester);
}

async function load() {
  const [project, runs] = await Promise.all([
    request(`projects/${projectId}/`),
    getAll("baseline-runs/", { project: projectId }),
  ]);
  const done = runs.filter((r) => r.status === "done");
  suggester.replaceChildren(
    el("option", { value: "", text: "None: proposals without a category" }),
    ...done.map((r) => el("option", { value: String(r.id), text: runLabel(r) })),
  );
  render(project);
}

if (card && projectId) {
  posesBox.addEventListener("change", () =>
    save({ video_poses: posesBox.checked }, posesBox.checked
      ? "New videos get whole-video poses after ingest."
      : "New videos are not posed after ingest."));
  shownBox.addEventListener("change", () =>
    save({ proposals_enabled: shownBox.checked }, shownBox.checked
      ? "Labelers see the machine proposals."
      : "Proposals are off: labelers see none."));
  suggester.addEventListener("change", () => {
    const value = suggester.value ? Number(suggester.value) : null;
    save({ proposal_suggester: value }, value ? `Baseline run ${value} suggests categories from now on.` : "No suggester: proposals come without a category.");
  });
  $("propose-button").addEventListener("click", async () => {
    try {
      const started = await post(`projects/${projectId}/proposals/`);
      say(started.videos ? `Proposals are being made for ${started.videos} video(s).` : "No video has whole-video poses yet.", started.videos ? "ok" : "");
    } catch (err) {
      say(`Could not start: ${err.message}`, "error");
    }
  });
  load().catch((err) => say(`Could not load the settings: ${err.message}`, "error"));
}
