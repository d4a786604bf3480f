// Which of a labeler's videos comes next. Training samples come first: a round calibrates the
// team before real work, so "Start" and "Next video" never pass over one.

const rank = (a) => (a.is_training ? 0 : 2) + (a.state === "in_progress" ? 0 : 1);

/** The assignment to open next among `items` (null when everything is submitted). */
export function nextUp(items) {
  const open = items.filter((a) => a.state !== "submitted");
  open.sort((a, b) => rank(a) - rank(b) || a.position - b.position);
  return open[0] || null;
}
