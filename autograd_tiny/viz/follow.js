// Scrolls a box so that a step's elements are in view, smoothly: the step page and steps_widget use it.
// The elements' union is kept in view when it fits the box, else the union of its nodes (the step's value
// and its operation), else the first element.
// Already in view: nothing moves, so a reader's own panning is kept as long as the step stays visible
// (and a glide still under way for an earlier step stops here, where this one is in view).
function followStep(view, elements, smooth) {
  const shown = elements.filter(Boolean);
  if (!shown.length) return;
  const margin = 12;
  const union = (els) => els.map((el) => el.getBoundingClientRect()).reduce((a, r) => ({
    left: Math.min(a.left, r.left), top: Math.min(a.top, r.top),
    right: Math.max(a.right, r.right), bottom: Math.max(a.bottom, r.bottom),
  }));
  const fits = (r) => r.right - r.left + 2 * margin <= view.clientWidth
    && r.bottom - r.top + 2 * margin <= view.clientHeight;
  const nodes = shown.filter((el) => el.classList.contains("node"));
  const all = union(shown), step = nodes.length ? union(nodes) : null;
  const want = fits(all) ? all : step && fits(step) ? step : shown[0].getBoundingClientRect();
  const frame = view.getBoundingClientRect();
  // start and end of the wanted area along one axis, in the box's scrolled content; where to scroll to
  const place = (start, end, scroll, size) => {
    if (start - margin >= scroll && end + margin <= scroll + size) return scroll;
    return (start + end) / 2 - size / 2;
  };
  const x0 = want.left - frame.left - view.clientLeft + view.scrollLeft;
  const y0 = want.top - frame.top - view.clientTop + view.scrollTop;
  const left = place(x0, x0 + want.right - want.left, view.scrollLeft, view.clientWidth);
  const top = place(y0, y0 + want.bottom - want.top, view.scrollTop, view.clientHeight);
  const moves = left !== view.scrollLeft || top !== view.scrollTop;
  view.scrollTo({ left, top, behavior: smooth && moves ? "smooth" : "auto" });
}
