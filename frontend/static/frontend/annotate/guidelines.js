// The guidelines panel of the workspace (Ctrl+I or the "Guidelines" button): the project's
// general boundary rules and every category's current guideline, grouped like the picker, in a
// dialog a keyboard user opens and closes (Escape) without leaving the video.

import { $, el } from "../lib/dom.js";

function guidelineBlock(g) {
  if (!g) return [el("p", { class: "muted small", text: "No guideline yet." })];
  return [
    g.definition ? el("p", { text: g.definition }) : null,
    g.inclusion ? el("p", { class: "small" }, el("strong", { text: "Counts: " }), g.inclusion) : null,
    g.exclusion ? el("p", { class: "small" }, el("strong", { text: "Does not count: " }), g.exclusion) : null,
    el("p", { class: "muted small", text: `version ${g.version}` }),
  ];
}

export class GuidelinesPanel {
  constructor(config) {
    this.dialog = $("guidelines");
    this.body = $("guidelines-body");
    this.config = config;
    this.built = false;
    $("guidelines-close").addEventListener("click", () => this.dialog.close());
  }

  build() {
    const { groups, categories, general_rules: general } = this.config;
    const sections = groups.map((g) => {
      const cats = categories.filter((c) => c.group === g.name);
      if (!cats.length) return null;
      const heading = el("h3", { text: g.name });
      heading.style.borderLeftColor = g.colour;
      return el("section", { class: "guideline-group" }, heading, ...cats.map((c) => el(
        "article", { class: "guideline", dataset: { code: c.code } },
        el("h4", {}, el("kbd", { text: c.hotkey || " " }), ` C${c.code} ${c.name}`),
        c.description ? el("p", { class: "muted small", text: c.description }) : null,
        ...guidelineBlock(c.guideline),
      )));
    });
    this.body.replaceChildren(
      el("section", { class: "guideline-group" }, el("h3", { text: "Where a gesture starts and ends" }), ...guidelineBlock(general)),
      ...sections,
    );
    this.built = true;
  }

  toggle() {
    if (this.dialog.open) return this.dialog.close();
    if (!this.built) this.build();
    this.dialog.showModal();
    $("guidelines-close").focus();
  }
}
