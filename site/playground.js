// The playground page: Pyodide runs autograd_tiny's own Python (autograd_tiny.playground.Controller);
// this script only passes the controls' values to it and puts its SVG and texts on the page.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const $ = (id) => document.getElementById(id);
const REDRAW_MS = 300;
let controller = null;
let playing = false;

async function start() {
  const pyodide = await loadPyodide({ indexURL: "./pyodide/" });
  const wheel = await (await fetch("./autograd_tiny.whl")).arrayBuffer();
  pyodide.unpackArchive(wheel, "wheel");
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
  const losses = controller.losses.toJs();
  [document.body.dataset.trainLoss, document.body.dataset.testLoss] = losses.map(String);
  document.body.dataset.epoch = String(controller.pg.epoch);
}

function play() {
  let drawn = performance.now();
  const tick = () => {
    if (!playing) return draw();
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
$("step").addEventListener("click", () => { controller.step(1); draw(); });
$("reset").addEventListener("click", () => { controller.reset(); draw(); });
$("view").addEventListener("change", () => { controller.set_view($("view").value); draw(); });
for (const element of document.querySelectorAll("[data-control]")) {
  element.addEventListener("change", () => {
    const problem = controller.change_text(element.id, element.value);
    draw();
    if (problem) $("status").textContent = `not changed: ${problem}`;
  });
}
$("picture").addEventListener("click", (event) => {
  const param = event.target.closest("[data-param]")?.dataset.param;
  if (param) { controller.select(param); draw(); }
});

start().catch((error) => {
  document.body.dataset.state = "failed";
  $("status").textContent = `could not start: ${error}`;
  console.error(error);
});
