// The category picker: the project's groups with their categories, each with its hotkey and its
// description on hover. A category key picks at once; "/" moves to the search box; arrows and
// Enter pick from the filtered list; Escape cancels.
//
// It opens below the player (the video and the frame number stay in view), shows every category
// at once in its group, and selects nothing until the labeler types, presses an arrow or moves
// the pointer: a reflex Enter picks nothing, and a mouse resting where an option appears
// highlights nothing.

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
};

/** The category's description and, when the project has one, its current guideline. */
export function hoverText(c) {
  const lines = [c.description || c.name];
  const g = c.guideline;
  if (g) {
    if (g.definition) lines.push(`Definition: ${g.definition}`);
    if (g.inclusion) lines.push(`Counts: ${g.inclusion}`);
    if (g.exclusion) lines.push(`Does not count: ${g.exclusion}`);
    lines.push(`(guideline v${g.version})`);
  }
  return lines.join("\n");
}

export class CategoryPicker {
  constructor(dialog, groups, categories) {
    this.dialog = dialog;
    this.search = dialog.querySelector("#picker-search");
    this.list = dialog.querySelector("#picker-groups");
    this.title = dialog.querySelector("#picker-title");
    this.categories = categories;
    this.byKey = new Map(categories.filter((c) => c.hotkey).map((c) => [c.hotkey.toLowerCase(), c]));
    this.resolve = null;
    this.active = -1;
    this.pointer = null; // where the pointer was when the picker opened
    this.build(groups);
    this.search.addEventListener("input", () => this.filter());
    dialog.addEventListener("keydown", (e) => this.onKey(e));
    dialog.addEventListener("close", () => this.finish(null));
    // Only a pointer that really moves highlights options (Chrome re-evaluates :hover under a
    // resting mouse when the dialog appears).
    document.addEventListener("pointermove", (e) => {
      const at = `${e.clientX},${e.clientY}`;
      if (!this.dialog.open) this.lastPointer = at;
      else if (at !== this.pointer) this.dialog.classList.add("pointing");
    });
    this.list.addEventListener("click", (e) => {
      const option = e.target.closest("[role=option]");
      if (option) this.finish(Number(option.dataset.code));
    });
  }

  build(groups) {
    this.options = [];
    const sections = groups.map((g) => {
      const section = el("section", { class: "picker-group" });
      const heading = el("h3", {}, g.name);
      heading.style.borderLeftColor = g.colour;
      section.append(heading);
      for (const c of this.categories.filter((cat) => cat.group === g.name)) {
        const option = el("div", {
          role: "option",
          class: "picker-option",
          "data-code": String(c.code),
          title: hoverText(c),
          "aria-selected": "false",
        });
        option.append(el("kbd", {}, c.hotkey || " "), el("span", {}, ` C${c.code} ${c.name}`));
        option.dataset.search = `c${c.code} ${c.name} ${c.group} ${c.description || ""}`.toLowerCase();
        section.append(option);
        this.options.push(option);
      }
      return section;
    });
    this.list.replaceChildren(...sections);
  }

  visible() {
    return this.options.filter((o) => !o.hidden);
  }

  filter() {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const o of this.options) o.hidden = !words.every((w) => o.dataset.search.includes(w));
    for (const section of this.list.children) {
      section.hidden = ![...section.querySelectorAll("[role=option]")].some((o) => !o.hidden);
    }
    // Typing selects the first match; an empty search selects nothing.
    this.setActive(words.length ? 0 : -1);
  }

  setActive(index) {
    const shown = this.visible();
    this.active = index < 0 ? -1 : Math.max(0, Math.min(shown.length - 1, index));
    this.options.forEach((o) => o.setAttribute("aria-selected", "false"));
    const current = shown[this.active];
    if (current) {
      current.setAttribute("aria-selected", "true");
      current.scrollIntoView({ block: "nearest" });
    }
  }

  /**
   * Ask for a category; resolves to its code, or null when cancelled. `selected`: a category
   * to start selected (a proposal's suggestion, so Enter takes it); otherwise none is.
   */
  open(title = "Category", current = null, below = null, selected = null) {
    this.finish(null);
    this.title.textContent = title;
    this.search.value = "";
    this.filter();
    if (selected !== null) this.setActive(this.visible().findIndex((o) => Number(o.dataset.code) === selected));
    for (const o of this.options) o.classList.toggle("current", Number(o.dataset.code) === current);
    this.pointer = this.lastPointer || null;
    this.dialog.classList.remove("pointing");
    // Under `below` (the player's toolbar), so the frame and its number stay in view.
    const top = below ? Math.round(below.getBoundingClientRect().bottom) + 6 : null;
    this.dialog.style.top = top !== null && top < window.innerHeight - 200 ? `${top}px` : "";
    this.dialog.classList.toggle("docked", !!this.dialog.style.top);
    this.dialog.showModal();
    this.list.focus();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  finish(code) {
    const resolve = this.resolve;
    this.resolve = null;
    if (this.dialog.open) this.dialog.close();
    if (resolve) resolve(code);
  }

  onKey(event) {
    const inSearch = event.target === this.search;
    if (event.key === "Escape") return; // the dialog's own cancel closes it
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const down = event.key === "ArrowDown";
      this.setActive(this.active < 0 ? (down ? 0 : this.visible().length - 1) : this.active + (down ? 1 : -1));
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      const option = this.active < 0 ? null : this.visible()[this.active];
      if (option) this.finish(Number(option.dataset.code));
      return;
    }
    if (inSearch || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      event.preventDefault();
      this.search.focus();
      return;
    }
    const cat = this.byKey.get(event.key.toLowerCase());
    if (cat) {
      event.preventDefault();
      this.finish(cat.code);
    }
  }
}
