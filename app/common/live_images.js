// Paints image grids onto canvases that stay on the page: a new picture is a putImageData, not a new
// <img> to fetch, decode and lay out. Python sends each grid's grey pixels (uint8, base64) with its size.
const instances = new WeakMap();

function build(parentElement) {
  const root = document.createElement("div");
  root.className = "grids";
  parentElement.appendChild(root);
  return { root, figures: [], revision: null };
}

function figureAt(inst, i) {
  if (!inst.figures[i]) {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    const caption = document.createElement("figcaption");
    figure.append(canvas, caption);
    inst.root.appendChild(figure);
    inst.figures[i] = { figure, canvas, caption };
  }
  return inst.figures[i];
}

function paint(canvas, grid) {
  const grey = Uint8Array.from(atob(grid.pixels), (c) => c.charCodeAt(0));
  if (canvas.width !== grid.width || canvas.height !== grid.height) {
    canvas.width = grid.width;
    canvas.height = grid.height;
    canvas.style.width = `${grid.width * grid.scale}px`;
  }
  const ctx = canvas.getContext("2d");
  const rgba = ctx.createImageData(grid.width, grid.height);
  for (let i = 0; i < grey.length; i++) {
    rgba.data[4 * i] = rgba.data[4 * i + 1] = rgba.data[4 * i + 2] = grey[i];
    rgba.data[4 * i + 3] = 255;
  }
  ctx.putImageData(rgba, 0, 0);
}

export default function (component) {
  const { data, parentElement } = component;
  let inst = instances.get(parentElement);
  if (!inst) { inst = build(parentElement); instances.set(parentElement, inst); }
  if (inst.revision === data.revision && inst.figures.length === data.grids.length) return;
  data.grids.forEach((grid, i) => {
    const { canvas, caption } = figureAt(inst, i);
    paint(canvas, grid);
    caption.textContent = grid.caption;
  });
  inst.figures.splice(data.grids.length).forEach((f) => f.figure.remove());
  inst.revision = data.revision;
  inst.root.dataset.revision = String(data.revision);  // for tests: which pictures are shown
}
