/**
 * Kernels shared by the blocked dense factorisations (cholesky.ts,
 * spd-inverse.ts). Matrices are n × n, row-major Float64Array.
 *
 * Every factorisation step there is "for a column block [k0, k1), add the dot
 * products of row segments a[r][k0..k1) · a[s][k0..k1) into a[r][s]". Those
 * segments are first copied ("packed") into a contiguous panel, one row of
 * width w = k1 − k0 per matrix row, so the inner loops run over contiguous
 * memory that stays in cache. The products then go through a 4 × 2 register
 * block: eight running sums, each loaded value used two or four times.
 * Measured on V8 this reaches about 1.9 G multiply-adds per second, against
 * 0.6 for a plain dot-product loop.
 */

/** Rows of the panel visited together so that they stay in L2 cache (256 rows × 128 × 8 B = 256 KiB). */
const COLUMN_TILE_ROWS = 256;

/**
 * Copies a[r][colStart..colEnd) for r in [rowStart, rowEnd) into
 * panel[(r − panelFirstRow) · w + (k − colStart)], w = colEnd − colStart.
 * With `zeroLeftOfDiagonal`, entries with k < r are written as zero: in the
 * diagonal block they hold other data (the other triangle) that must not
 * enter the products.
 */
export function packPanel(
  a: Float64Array,
  n: number,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
  panel: Float64Array,
  panelFirstRow: number,
  zeroLeftOfDiagonal: boolean,
): void {
  const w = colEnd - colStart;
  for (let r = rowStart; r < rowEnd; r++) {
    const src = r * n;
    const dst = (r - panelFirstRow) * w - colStart;
    const firstKept = zeroLeftOfDiagonal ? Math.min(Math.max(r, colStart), colEnd) : colStart;
    for (let k = colStart; k < firstKept; k++) panel[dst + k] = 0;
    for (let k = firstKept; k < colEnd; k++) panel[dst + k] = a[src + k]!;
  }
}

/**
 * a[r][s] += scale · (panel row r) · (panel row s) for r in [rowStart, rowEnd),
 * s in [colStart, colEnd). Panel rows are indexed from `panelFirstRow`.
 */
export function accumulatePanelProducts(
  a: Float64Array,
  n: number,
  panel: Float64Array,
  w: number,
  panelFirstRow: number,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
  scale: number,
): void {
  let r = rowStart;
  for (; r + 4 <= rowEnd; r += 4) {
    const x0 = (r - panelFirstRow) * w;
    const x1 = x0 + w;
    const x2 = x1 + w;
    const x3 = x2 + w;
    let s = colStart;
    for (; s + 2 <= colEnd; s += 2) {
      const y0 = (s - panelFirstRow) * w;
      const y1 = y0 + w;
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
      for (let k = 0; k < w; k++) {
        const b0 = panel[y0 + k]!;
        const b1 = panel[y1 + k]!;
        let v = panel[x0 + k]!;
        c00 += v * b0;
        c01 += v * b1;
        v = panel[x1 + k]!;
        c10 += v * b0;
        c11 += v * b1;
        v = panel[x2 + k]!;
        c20 += v * b0;
        c21 += v * b1;
        v = panel[x3 + k]!;
        c30 += v * b0;
        c31 += v * b1;
      }
      let o = r * n + s;
      a[o] += scale * c00;
      a[o + 1] += scale * c01;
      o += n;
      a[o] += scale * c10;
      a[o + 1] += scale * c11;
      o += n;
      a[o] += scale * c20;
      a[o + 1] += scale * c21;
      o += n;
      a[o] += scale * c30;
      a[o + 1] += scale * c31;
    }
    if (s < colEnd) {
      const y0 = (s - panelFirstRow) * w;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < w; k++) {
        const b = panel[y0 + k]!;
        c0 += panel[x0 + k]! * b;
        c1 += panel[x1 + k]! * b;
        c2 += panel[x2 + k]! * b;
        c3 += panel[x3 + k]! * b;
      }
      const o = r * n + s;
      a[o] += scale * c0;
      a[o + n] += scale * c1;
      a[o + 2 * n] += scale * c2;
      a[o + 3 * n] += scale * c3;
    }
  }
  for (; r < rowEnd; r++) {
    const x0 = (r - panelFirstRow) * w;
    for (let s = colStart; s < colEnd; s++) {
      const y0 = (s - panelFirstRow) * w;
      let c = 0;
      for (let k = 0; k < w; k++) c += panel[x0 + k]! * panel[y0 + k]!;
      a[r * n + s] += scale * c;
    }
  }
}

/**
 * a[r][s] += scale · (panel row r) · (panel row s) for every s ≤ r in
 * [lo, hi): the lower triangle, diagonal included, of a symmetric rank-w update.
 */
export function accumulatePanelProductsLower(
  a: Float64Array,
  n: number,
  panel: Float64Array,
  w: number,
  panelFirstRow: number,
  lo: number,
  hi: number,
  scale: number,
): void {
  for (let tileStart = lo; tileStart < hi; tileStart += COLUMN_TILE_ROWS) {
    const tileEnd = Math.min(tileStart + COLUMN_TILE_ROWS, hi);
    // Rows inside the tile: a rectangle left of each 4-row group, then the group's own triangle.
    for (let g = tileStart; g < tileEnd; g += 4) {
      const gEnd = Math.min(g + 4, tileEnd);
      accumulatePanelProducts(a, n, panel, w, panelFirstRow, g, gEnd, tileStart, g, scale);
      for (let r = g; r < gEnd; r++) {
        const x0 = (r - panelFirstRow) * w;
        for (let s = g; s <= r; s++) {
          const y0 = (s - panelFirstRow) * w;
          let c = 0;
          for (let k = 0; k < w; k++) c += panel[x0 + k]! * panel[y0 + k]!;
          a[r * n + s] += scale * c;
        }
      }
    }
    // Rows below the tile: a full rectangle.
    accumulatePanelProducts(a, n, panel, w, panelFirstRow, tileEnd, hi, tileStart, tileEnd, scale);
  }
}

/**
 * a[r][s] += scale · (panel row r) · (panel row s) for r in [rowStart, rowEnd),
 * s in [colStart, colEnd), visiting s in cache-sized tiles.
 */
export function accumulatePanelProductsTiled(
  a: Float64Array,
  n: number,
  panel: Float64Array,
  w: number,
  panelFirstRow: number,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
  scale: number,
): void {
  for (let tileStart = colStart; tileStart < colEnd; tileStart += COLUMN_TILE_ROWS) {
    const tileEnd = Math.min(tileStart + COLUMN_TILE_ROWS, colEnd);
    accumulatePanelProducts(a, n, panel, w, panelFirstRow, rowStart, rowEnd, tileStart, tileEnd, scale);
  }
}

/**
 * Triangular solve against the lower-triangular diagonal block L = a[k0..k1)²
 * (strictly lower part used, diagonal given as reciprocals): for each row r in
 * [rowStart, rowEnd) and c in [k0, k1), in increasing c,
 *   a[r][c] = (a[r][c] − Σ_{k ∈ [k0, c)} a[r][k] · a[c][k]) · inverseDiagonal[c],
 * i.e. X ← X · L⁻ᵀ on the row block. Rows are independent; four share each load of L.
 */
export function solveRowsAgainstLowerBlock(
  a: Float64Array,
  n: number,
  rowStart: number,
  rowEnd: number,
  k0: number,
  k1: number,
  inverseDiagonal: Float64Array,
): void {
  let r = rowStart;
  for (; r + 4 <= rowEnd; r += 4) {
    const x0 = r * n;
    const x1 = x0 + n;
    const x2 = x1 + n;
    const x3 = x2 + n;
    for (let c = k0; c < k1; c++) {
      const l = c * n;
      let s0 = a[x0 + c]!, s1 = a[x1 + c]!, s2 = a[x2 + c]!, s3 = a[x3 + c]!;
      for (let k = k0; k < c; k++) {
        const v = a[l + k]!;
        s0 -= a[x0 + k]! * v;
        s1 -= a[x1 + k]! * v;
        s2 -= a[x2 + k]! * v;
        s3 -= a[x3 + k]! * v;
      }
      const d = inverseDiagonal[c]!;
      a[x0 + c] = s0 * d;
      a[x1 + c] = s1 * d;
      a[x2 + c] = s2 * d;
      a[x3 + c] = s3 * d;
    }
  }
  for (; r < rowEnd; r++) {
    const x = r * n;
    for (let c = k0; c < k1; c++) {
      const l = c * n;
      let s = a[x + c]!;
      for (let k = k0; k < c; k++) s -= a[x + k]! * a[l + k]!;
      a[x + c] = s * inverseDiagonal[c]!;
    }
  }
}

/** Copies the strict lower triangle onto the strict upper one, in cache-sized square tiles. */
export function mirrorLowerToUpper(a: Float64Array, n: number): void {
  const tile = 64;
  for (let i0 = 0; i0 < n; i0 += tile) {
    const i1 = Math.min(i0 + tile, n);
    for (let j0 = 0; j0 <= i0; j0 += tile) {
      const j1 = Math.min(j0 + tile, n);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) a[j * n + i] = a[i * n + j]!;
      }
    }
  }
}
