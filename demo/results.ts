// What the page shows after training: the held-out confusion matrix and a grid of test digits with
// the model's answers (wrong ones in red). Builds DOM from numbers; no GPU here.

/** A 28×28 field (values in [0, 1]) drawn into a canvas, `scale` pixels per field pixel. */
export function drawField(canvas: HTMLCanvasElement, field: ArrayLike<number>, scale: number): void {
  canvas.width = canvas.height = 28 * scale;
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(Math.min(1, Math.max(0, field[i]!)) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  // Drawn at 1:1 into a scratch canvas, then scaled without smoothing: crisp pixels.
  const scratch = document.createElement('canvas');
  scratch.width = scratch.height = 28;
  scratch.getContext('2d')!.putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(scratch, 0, 0, 28 * scale, 28 * scale);
}

/** The confusion matrix as a table: rows the true digit, columns the answer, shaded by count. */
export function confusionTable(counts: number[][]): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'confusion';
  const max = Math.max(1, ...counts.flat());
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = 'true \\ answer';
  counts.forEach((_, k) => { head.insertCell().textContent = String(k); });
  const body = table.createTBody();
  counts.forEach((row, t) => {
    const tr = body.insertRow();
    tr.insertCell().textContent = String(t);
    row.forEach((n, p) => {
      const td = tr.insertCell();
      td.textContent = n ? String(n) : '';
      const a = n / max;
      td.style.background = t === p ? `rgba(31, 119, 180, ${0.15 + 0.85 * a})` : n ? `rgba(214, 39, 40, ${0.2 + 0.8 * a})` : '';
      if (t === p && a > 0.5) td.style.color = '#fff';
    });
  });
  return table;
}

/** Test digits with the model's answers: a small image each, the answer under it, red when wrong. */
export function digitGrid(images: Float32Array, labels: Int32Array, answers: number[]): HTMLDivElement {
  const grid = document.createElement('div');
  grid.className = 'digit-grid';
  answers.forEach((answer, i) => {
    const cell = document.createElement('figure');
    cell.className = answer === labels[i] ? 'right' : 'wrong';
    const canvas = document.createElement('canvas');
    drawField(canvas, images.subarray(i * 784, i * 784 + 784), 2);
    const caption = document.createElement('figcaption');
    caption.textContent = answer === labels[i] ? String(answer) : `${answer} (is ${labels[i]})`;
    cell.append(canvas, caption);
    grid.append(cell);
  });
  return grid;
}
