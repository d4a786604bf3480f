// The annotate page: wires the player, the timeline, the segment list, the picker and the syncer
// to the keyboard and the toolbar. Every edit goes through the store (applied at once, undoable)
// and the syncer saves it; this module holds no segment state of its own.

import { Filmstrip } from "../components/filmstrip.js";
import { PlayerPanel } from "../components/player_panel.js";
import { get, getAll, post } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { notice as showNotice, showError } from "../lib/notice.js";
import { proxyUrl } from "../lib/urls.js";
import { ConflictDialog } from "./conflict.js";
import { SegmentDetails } from "./details.js";
import { HelpDialog } from "./dialogs.js";
import { GuidelinesPanel } from "./guidelines.js";
import { displayKey, Keymap } from "./keymap.js";
import { CategoryPicker } from "./picker.js";
import { makeCommands } from "./commands.js";
import { PROPOSAL_LANE, proposalIdOf, Proposals } from "./proposals.js";
import { StaleWatcher } from "./reconcile.js";
import { SegmentList } from "./seglist.js";
import { SegmentStore } from "./store.js";
import { Submitter } from "./submit.js";
import { LocalKeeper, Syncer } from "./sync.js";

const app = $("annotate-app");

const ui = {
  selected: null,
  markStart: null,
  bigStep: Number(localStorage.getItem("mgstudio:big-step")) || 10,
  state: "assigned",
  readonlyViewer: app.dataset.readonly === "1",
};

// The labeler works with eyes on the video: notices go away by themselves.
const notice = (text, kind = "") => showNotice(text, kind, { hideAfter: 6000 });
const fatal = (text) => showError($("page-error"), text);

async function main() {
  const assignmentId = Number(app.dataset.assignmentId);
  let config;
  let serverSegments;
  let proposalData;
  try {
    [config, serverSegments, proposalData] = await Promise.all([
      get(`assignments/${assignmentId}/workspace/`),
      getAll("segments/", { assignment: assignmentId, page_size: 1000 }),
      // Proposals are hints: without them the workspace works as before.
      get(`videos/${app.dataset.videoId}/proposals/`).catch(() => null),
    ]);
  } catch (err) {
    fatal(`Could not open this video: ${err.message}`);
    return;
  }
  const video = config.video;
  if (!video.has_proxy || !video.num_frames) {
    fatal(`Video ${video.external_id} is not ready to annotate yet (status: ${video.status}).`);
    return;
  }
  const categories = new Map(config.categories.map((c) => [c.code, c]));
  ui.state = config.assignment.state;
  ui.reviewStarted = config.assignment.review_started;

  const store = new SegmentStore({ assignmentId, numFrames: video.num_frames, categories: config.categories });
  const keeper = new LocalKeeper(assignmentId);
  store.load(serverSegments, ui.readonlyViewer ? [] : keeper.takeKept());
  const syncer = new Syncer(store, keeper);
  const watcher = new StaleWatcher(store, syncer);
  // A pending "[" is kept in the browser too, so a reload does not lose it.
  const markKey = `mgstudio:mark:${assignmentId}`;
  const keptMark = Number(localStorage.getItem(markKey));
  if (!ui.readonlyViewer && localStorage.getItem(markKey) !== null && Number.isInteger(keptMark)) {
    ui.markStart = Math.max(0, Math.min(video.num_frames - 1, keptMark));
  }

  const proposals = new Proposals(proposalData, store, categories);
  const panel = new PlayerPanel(video, {
    lanes: proposals.shown ? [PROPOSAL_LANE, ...config.groups] : config.groups,
    categories: config.categories,
    startFrame: config.assignment.last_frame || 0,
    buttons: false, // every [data-action] button runs a command of the key map below
  });
  const { player, timeline, video: videoEl } = panel;
  new Filmstrip(timeline, proxyUrl(video.id), { timeOf: (f) => player.timeOf(f), numFrames: video.num_frames });
  const list = new SegmentList($("segment-table"), $("segments-empty"), $("segment-count"), config.categories);
  const details = new SegmentDetails(categories);
  const picker = new CategoryPicker($("picker"), config.groups, config.categories);
  const conflicts = new ConflictDialog($("conflict"), store, categories);
  const keymap = new Keymap(config.shortcuts, config.categories.map((c) => c.hotkey).filter(Boolean));
  const help = new HelpDialog($("help"), keymap, () => renderKeys());
  const guidelines = new GuidelinesPanel(config);

  // ---- rendering ----

  const editable = () => !ui.readonlyViewer && ui.state !== "submitted";

  let lastSelected = null;
  function renderSegments() {
    const records = store.list();
    if (ui.selected && !store.get(ui.selected)) ui.selected = null;
    // Selecting a segment takes the focus off the proposal (and jumping to one clears it).
    if (ui.selected && ui.selected !== lastSelected) proposals.current = null;
    lastSelected = ui.selected;
    const overlaps = (rec) => store.sameCategoryOverlaps(rec);
    list.render(records, ui.selected, syncer, overlaps);
    const rec = ui.selected && store.get(ui.selected);
    details.render(rec, syncer, rec ? overlaps(rec) : [], editable());
    timeline.setSegments(
      records.map((r) => ({
        uuid: r.uuid, start: r.start, end: r.end, code: r.code,
        problem: !!(r.conflict || r.error || r.goneElsewhere), pending: store.dirty().includes(r),
        label: categories.get(r.code) ? `C${r.code} ${categories.get(r.code).name}` : null,
      })).concat(proposals.bars()),
      proposals.selection(ui.selected),
    );
    renderProposalBar();
  }

  function renderProposalBar() {
    $("proposal-bar").hidden = !proposals.shown;
    const open = proposals.open().filter((p) => !p.rejected).length;
    const rejected = proposals.rejectedCount();
    $("proposal-count").textContent = `Proposals: ${open} to look at${rejected ? `, ${rejected} rejected` : ""}`;
  }

  function renderState() {
    const badge = $("assignment-state");
    badge.textContent = ui.readonlyViewer ? "read-only" : ui.state.replace("_", " ");
    $("training-badge").hidden = !config.assignment.is_training;
    badge.dataset.state = ui.state;
    $("submit-button").hidden = !editable();
    $("reopen-button").hidden = ui.readonlyViewer || ui.state !== "submitted";
    $("reopen-button").disabled = !!ui.reviewStarted;
    $("reopen-button").title = ui.reviewStarted ? "Review has started: it can no longer be reopened." : "";
    app.classList.toggle("readonly", !editable());
  }

  function renderMark() {
    const text = ui.markStart === null
      ? "Press [ at the first frame of a gesture."
      : `Start ${ui.markStart}: press ] at its last frame (Esc cancels).`;
    $("mark-state").textContent = text;
    timeline.setMark(ui.markStart);
    if (ui.markStart === null) localStorage.removeItem(markKey);
    else localStorage.setItem(markKey, String(ui.markStart));
  }

  function renderKeys() {
    for (const button of app.querySelectorAll("button[data-action]")) {
      button.setAttribute("aria-keyshortcuts", keymap.key(button.dataset.action));
    }
    for (const span of app.querySelectorAll(".big-step")) span.textContent = String(ui.bigStep);
    const k = (action) => displayKey(keymap.key(action));
    $("proposal-keys").textContent = `${k("next_proposal")} / ${k("prev_proposal")}: next / previous · `
      + `${k("accept_proposal")}: accept · ${k("reject_proposal")}: reject`;
  }

  store.addEventListener("change", () => {
    renderSegments();
    conflicts.next();
  });
  syncer.addEventListener("status", (event) => {
    const badge = $("sync-status");
    badge.dataset.state = event.detail.state;
    badge.textContent = event.detail.text;
    renderSegments();
  });

  player.addEventListener("frame", (event) => scheduleBookmark(event.detail.frame));
  player.addEventListener("state", () => {
    $("loop-toggle").checked = !!player.loop;
    $("speed-select").value = String(videoEl.playbackRate);
  });

  // ---- bookmark: "continue where I stopped" ----

  let bookmarkTimer = null;
  function scheduleBookmark(frame) {
    if (!editable()) return;
    clearTimeout(bookmarkTimer);
    bookmarkTimer = setTimeout(() => {
      post(`assignments/${assignmentId}/bookmark/`, { last_frame: frame }).catch(() => {});
    }, 1500);
  }

  // ---- commands (keys, toolbar and card buttons) ----

  const { commands, select, guarded, gotoTyped } = makeCommands({
    ui, store, player, picker, details, help, guidelines, notice, editable, renderSegments, renderMark,
    numFrames: video.num_frames,
  });

  // ---- machine proposals (docs/design.md §17) ----

  function jumpProposal(direction) {
    if (!proposals.shown) return notice("This video has no machine proposals.");
    const next = proposals.step(direction, player.frame);
    if (!next) return notice(direction > 0 ? "No proposal after this one." : "No proposal before this one.");
    ui.selected = null;
    player.seek(next.start_frame);
    renderSegments();
  }

  function focusedOrNotice() {
    const p = proposals.focused;
    if (!p) notice(`Go to a proposal first (${displayKey(keymap.key("next_proposal"))}).`);
    return p;
  }

  async function acceptProposal() {
    const p = focusedOrNotice();
    if (!p) return;
    if (!editable()) return guarded(() => {});
    const title = `Category of [${p.start_frame}, ${p.end_frame}] (proposal #${p.rank})`;
    const code = await picker.open(title, null, $("transport-bar"), p.category_code);
    if (code === null) return;
    guarded(() => {
      const uuid = store.create({ start: p.start_frame, end: p.end_frame, code, origin: Proposals.origin(p) });
      proposals.current = null;
      select(uuid);
    });
  }

  async function rejectProposal() {
    const p = focusedOrNotice();
    if (!p) return;
    if (!editable()) return guarded(() => {});
    try {
      const rejected = await proposals.toggleRejected(p);
      notice(rejected ? `Proposal #${p.rank} rejected: hidden for you.` : `Proposal #${p.rank} restored.`);
    } catch (err) {
      notice(`Could not save that: ${err.message}`, "error");
    }
    renderSegments();
  }

  Object.assign(commands, {
    next_proposal: () => jumpProposal(1),
    prev_proposal: () => jumpProposal(-1),
    accept_proposal: acceptProposal,
    reject_proposal: rejectProposal,
  });
  $("show-rejected").addEventListener("change", (e) => {
    proposals.showRejected = e.target.checked;
    e.target.blur();
    renderSegments();
  });

  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target.closest && target.closest("input, select, textarea")) return;
    // Enter on a focused link or button activates it (the "Next video" link, say).
    if (event.key === "Enter" && target.closest && target.closest("a[href], button")) return;
    const action = keymap.action(event);
    if (!action) return;
    event.preventDefault();
    commands[action]();
  });

  // ---- toolbar, timeline, list ----

  for (const button of app.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => commands[button.dataset.action]());
  }
  $("help-button").addEventListener("click", () => help.open());
  $("speed-select").addEventListener("change", (e) => {
    player.setSpeed(Number(e.target.value));
    e.target.blur(); // → steps a frame again, instead of changing the speed
  });
  $("goto-frame").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      gotoTyped(e.target);
    } else if (e.key === "Escape") {
      e.target.value = "";
      e.target.blur();
    }
  });
  details.addEventListener("notes", (e) => guarded(() => store.update(e.detail.uuid, e.detail.fields)));
  $("loop-toggle").addEventListener("change", () => commands.toggle_loop());
  $("big-step-input").value = String(ui.bigStep);
  $("big-step-input").addEventListener("change", (e) => {
    const value = Math.max(2, Math.min(500, Math.round(Number(e.target.value)) || 10));
    ui.bigStep = value;
    e.target.value = String(value);
    localStorage.setItem("mgstudio:big-step", String(value));
    renderKeys();
  });
  timeline.addEventListener("select", (e) => {
    const id = proposalIdOf(e.detail.uuid);
    if (id === null) return select(e.detail.uuid);
    proposals.current = id; // a click on a ghost bar focuses it, as a jump does
    ui.selected = null;
    renderSegments();
  });
  timeline.addEventListener("resize", (e) => {
    const { uuid, start, end } = e.detail;
    guarded(() => store.update(uuid, { start, end }));
    renderSegments();
  });
  list.addEventListener("pick", (e) => select(e.detail.uuid, { seek: true }));
  list.addEventListener("resort", () => renderSegments());

  // ---- submit / reopen ----

  const submitter = new Submitter({
    assignmentId, store, syncer, ui, notice,
    onState: (state) => {
      ui.state = state;
      renderState();
      renderSegments();
    },
  });
  $("submit-button").addEventListener("click", () => submitter.submit());
  $("reopen-button").addEventListener("click", () => submitter.reopen());

  window.addEventListener("beforeunload", (event) => {
    if (store.dirty().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  renderKeys();
  renderState();
  renderMark();
  renderSegments();
  syncer.persistAndKick();
  panel.ready.then(() => app.classList.add("ready"));
  videoEl.addEventListener("error", () => fatal("The browser could not play this video's proxy."));
  // For tests and benchmarks: the page's parts, read-only by convention.
  window.mgstudio = { player, store, syncer, timeline, keymap, watcher, proposals };
}

main();
