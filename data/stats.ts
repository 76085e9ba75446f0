/**
 * Per-channel pixel statistics on the [0, 1] scale, for the normalisation
 * constants a dataset carries (normalisation itself happens in the graph).
 * @module
 */

/**
 * Mean and population standard deviation per channel over the first `count`
 * images of an NCHW uint8 array with `channels` channels of `pixels` each.
 */
export function channelStats(
  images: Uint8Array,
  count: number,
  channels: number,
  pixels: number,
): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    // Integer sums are exact; divide once at the end.
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < count; i++) {
      const o = (i * channels + c) * pixels;
      for (let p = 0; p < pixels; p++) {
        const v = images[o + p];
        s += v;
        s2 += v * v;
      }
    }
    const m = count * pixels;
    const mu = m > 0 ? s / m : 0;
    const variance = m > 0 ? Math.max(0, s2 / m - mu * mu) : 0;
    mean.push(mu / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}
