// The playground page: Pyodide runs autograd_tiny's own Python (autograd_tiny.playground.Controller);
// this script only passes the controls' values to it and puts its SVG and texts on the page.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const $ = (id) => document.getElementById(id);
const REDRAW_MS = 300;
let controller = null;
let playing = false;
let viz = null;

async function start() {
  const pyodide = await loadPyodide({ indexURL: "./pyodide/" });
  for (const wheel of ["./autograd_tiny.whl", "./graphviz.whl"]) {  // graphviz: draw_dot's DOT text
    pyodide.unpackArchive(await (await fetch(wheel)).arrayBuffer(), "wheel");
  }
  viz = await vizInstance();
  const page = pyodide.pyimport("autograd_tiny.playground.page");
  controller = page.PageController();
  fillControls(page.choices().toJs({ dict_converter: Object.fromEntries }));
  for (const button of ["play", "step", "reset"]) $(button).disabled = false;
  document.body.dataset.state = "ready";
  draw();
}

function fillControls(choices) {
  for (const [name, options] of Object.entries(choices.options)) {
    $(name).replaceChildren(...options.map((o) => new Option(String(o), String(o))));
  }
  for (const [name, value] of Object.entries(choices.values)) $(name).value = String(value);
}

function draw() {
  $("picture").innerHTML = controller.picture();
  $("status").textContent = controller.status();
  const update = controller.update();
  const shown = $("update");
  shown.textContent = controller.update_text();
  for (const key of ["before", "rate", "grad", "after"]) {
    if (update) shown.dataset[key] = String(update[key]); else delete shown.dataset[key];
  }
  if (update) update.destroy();
  shown.dataset.param = controller.selected;
  const losses = controller.losses;  // a Python tuple: copied, then its proxy let go
  [document.body.dataset.trainLoss, document.body.dataset.testLoss] = losses.toJs().map(String);
  losses.destroy();
  document.body.dataset.epoch = String(controller.epoch);
}

// The chosen unit's graph for one sample: draw_dot's DOT text, laid out by Graphviz in WebAssembly.
function drawGraph() {
  const dot = controller.graph_dot();
  const graph = $("graph");
  if (!dot) { graph.replaceChildren(); graph.dataset.param = ""; return; }
  graph.replaceChildren(viz.renderSVGElement(dot));
  graph.dataset.param = controller.selected;
  graph.dataset.epoch = String(controller.epoch);
}

function play() {
  let drawn = performance.now();
  const tick = () => {
    if (!playing) { draw(); drawGraph(); return; }
    controller.step(1);
    if (performance.now() - drawn >= REDRAW_MS) { draw(); drawn = performance.now(); }
    setTimeout(tick, 0);
  };
  tick();
}

$("play").addEventListener("click", () => {
  playing = !playing;
  $("play").textContent = playing ? "pause" : "play";
  if (playing) play();
});
$("step").addEventListener("click", () => { controller.step(1); draw(); drawGraph(); });
$("reset").addEventListener("click", () => { controller.reset(); draw(); drawGraph(); });
$("view").addEventListener("change", () => { controller.set_view($("view").value); draw(); });
for (const element of document.querySelectorAll("[data-control]")) {
  element.addEventListener("change", () => {
    const problem = controller.change_text(element.id, element.value);
    draw();
    drawGraph();
    if (problem) $("status").textContent = `not changed: ${problem}`;
  });
}
$("picture").addEventListener("click", (event) => {
  const param = event.target.closest("[data-param]")?.dataset.param;
  if (param) { controller.select(param); draw(); drawGraph(); }
});

start().catch((error) => {
  document.body.dataset.state = "failed";
  $("status").textContent = `could not start: ${error}`;
  console.error(error);
});
