// Perceptual colour map for spectrograms: piecewise-linear through anchor colours sampled from matplotlib's
// "magma" (CC0), black (low) to pale yellow (high).
const magmaAnchors: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [28, 16, 68],
  [79, 18, 123],
  [129, 37, 129],
  [181, 54, 122],
  [229, 80, 100],
  [251, 135, 97],
  [254, 194, 135],
  [252, 253, 191],
];

/** RGB bytes for a value in [0, 1] (clamped). */
export function magma(value: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, value)) * (magmaAnchors.length - 1);
  const i = Math.min(magmaAnchors.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [magmaAnchors[i]!, magmaAnchors[i + 1]!];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}
