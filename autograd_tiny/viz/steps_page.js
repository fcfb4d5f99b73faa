// Steps through one SVG: each step changes texts and classes (colours), never positions.
// Reads its steps from the JSON in <script id="steps-data">; see autograd_tiny/viz/steps_page.py.
// followStep (follow.js, put before this script) scrolls each step's elements into view.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("steps-data").textContent);
  const steps = data.steps;
  const last = steps.length - 1;
  const $ = (id) => document.getElementById(id);
  const view = $("view");
  const svg = view.querySelector("svg");
  const slider = $("slider");
  const play = $("play");
  let current = 0;
  let timer = null;
  let smooth = false; // the first step is shown at once; later ones glide, unless the reader asks for less motion
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");

  // Every step's whole state, rebuilt from the stored changes: id -> [class, texts, colour].
  const states = [];
  data.changes.reduce((state, changes) => {
    const next = Object.assign({}, state, changes);
    states.push(next);
    return next;
  }, {});
  const elements = {};
  Object.keys(states[0]).forEach((id) => {
    const el = $(id);
    elements[id] = { el, texts: Array.from(el.querySelectorAll("text")), shapes: el.querySelectorAll("path, polygon, ellipse") };
  });

  function paint(entry, colour) {
    const isEdge = entry.el.classList.contains("edge");
    entry.shapes.forEach((shape, k) => {
      if (isEdge) {
        shape.style.stroke = colour;
        if (shape.tagName === "polygon") shape.style.fill = colour;
      } else if (k === 0) {
        shape.style.fill = colour;
      }
    });
  }

  function show(i) {
    current = Math.max(0, Math.min(last, i));
    const s = steps[current];
    const state = states[current];
    for (const id in state) {
      const [cls, texts, colour] = state[id];
      const entry = elements[id];
      entry.el.setAttribute("class", cls);
      texts.forEach((t, k) => { if (entry.texts[k]) entry.texts[k].textContent = t; });
      paint(entry, colour);
    }
    slider.value = String(current);
    slider.setAttribute("aria-valuetext", s.title);
    // Each pass numbered from its own step 0, as steps_widget and backward_steps' frames are ("backward 4").
    $("step-number").textContent = `${s.phase} ${current - data.phaseStart[s.phase]}`;
    $("title").textContent = s.title;
    $("description").textContent = s.text;
    document.body.dataset.step = String(current);
    followStep(view, Array.from(svg.querySelectorAll(".current, .hot")), smooth);
    if (current === last) stop();
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "\u25B6 play";
    play.setAttribute("aria-pressed", "false");
  }

  function start() {
    if (current === last) show(0);
    timer = setInterval(() => show(current + 1), Number($("speed").value));
    play.textContent = "\u23F8 pause";
    play.setAttribute("aria-pressed", "true");
  }

  // ---- zoom and pan: the SVG's size in pixels is its viewBox times `scale` --------------------------
  const box = svg.viewBox.baseVal;
  const sizes = Array.from(svg.querySelectorAll("text[font-size]"), (t) => Number(t.getAttribute("font-size")));
  const smallest = Math.min(...sizes);
  const readable = (data.minTextPx / smallest) * 1.001; // the smallest scale at which every text is minTextPx
  let scale = 1;
  const SIDE_PANEL_PX = 400;

  function zoomTo(next, cx, cy) {
    const old = scale;
    scale = Math.max(0.05, Math.min(8, next));
    const x = cx === undefined ? view.clientWidth / 2 : cx;
    const y = cy === undefined ? view.clientHeight / 2 : cy;
    const left = ((view.scrollLeft + x) * scale) / old - x;
    const top = ((view.scrollTop + y) * scale) / old - y;
    svg.setAttribute("width", String(box.width * scale));
    svg.setAttribute("height", String(box.height * scale));
    view.scrollLeft = left;
    view.scrollTop = top;
    document.body.dataset.scale = scale.toFixed(4);
  }

  function fitScale() {
    return Math.min((view.clientWidth - 2) / box.width, (view.clientHeight - 2) / box.height);
  }

  // The view takes the window's height below the controls (at least 12em, as the stylesheet says).
  // A picture narrow enough at the readable scale goes beside the controls and the text, as tall as the window.
  function placeBeside() {
    const room = document.body.clientWidth - box.width * readable - 24;
    document.body.classList.toggle("beside", room >= SIDE_PANEL_PX);
  }

  function fillHeight() {
    placeBeside();
    const top = view.getBoundingClientRect().top + window.scrollY;
    view.style.height = `${Math.max(window.innerHeight - top - 12, 0)}px`;
  }

  // The whole picture in the view, but never so small that text falls under minTextPx (the view then
  // scrolls to each step), nor larger than life and a half.
  function fitReadable() {
    fillHeight();
    zoomTo(Math.max(readable, Math.min(fitScale(), 1.5)));
    followStep(view, Array.from(svg.querySelectorAll(".current, .hot")), false);
  }

  svg.removeAttribute("style");
  $("zoom-in").addEventListener("click", () => zoomTo(scale * 1.25));
  $("zoom-out").addEventListener("click", () => zoomTo(scale / 1.25));
  $("zoom-fit").addEventListener("click", () => zoomTo(fitScale()));
  view.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = view.getBoundingClientRect();
    zoomTo(scale * Math.exp(-e.deltaY / 500), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag = null;
  view.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, left: view.scrollLeft, top: view.scrollTop };
    view.setPointerCapture(e.pointerId);
  });
  view.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.scrollLeft = drag.left - (e.clientX - drag.x);
    view.scrollTop = drag.top - (e.clientY - drag.y);
  });
  view.addEventListener("pointerup", () => { drag = null; });

  // ---- stepping: buttons, slider, keys (one handler for the keys, whatever has focus) ----------------
  $("first").addEventListener("click", () => { stop(); show(0); });
  $("prev").addEventListener("click", () => { stop(); show(current - 1); });
  $("next").addEventListener("click", () => { stop(); show(current + 1); });
  $("last").addEventListener("click", () => { stop(); show(last); });
  document.querySelectorAll("button.phase").forEach((b) => {
    b.addEventListener("click", () => { stop(); show(Number(b.dataset.step)); });
  });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  $("speed").addEventListener("change", () => { if (timer !== null) { stop(); start(); } });
  const KEYS = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 };
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    let to = null;
    if (e.key in KEYS) to = current + KEYS[e.key];
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = last;
    if (to === null) return;
    e.preventDefault(); // the slider, a select or the page must not act on this key as well
    e.stopPropagation();
    stop();
    show(to);
  }, true);

  show(0);
  fitReadable();
  window.addEventListener("resize", fitReadable);
  smooth = !still.matches;
  still.addEventListener("change", () => { smooth = !still.matches; });
})();
