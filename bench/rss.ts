/**
 * Process memory from Linux's `/proc/self/status`: resident set size now
 * (`VmRSS`) and its high-water mark (`VmHWM`). Writing `5` to
 * `/proc/self/clear_refs` resets the high-water mark to the current RSS
 * (Linux ≥ 4.0), so a peak can be taken over one stretch of work only.
 * @module
 */

/** Resident bytes now and at peak, or null where `/proc/self/status` is missing (not Linux). */
export function residentBytes(): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/status");
  } catch {
    return null;
  }
  const kib = (key: string) => {
    const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) * 1024 : NaN;
  };
  const rss = kib("VmRSS");
  const hwm = kib("VmHWM");
  return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss, hwm } : null;
}

/** Reset `VmHWM` to the current RSS; false when the kernel or sandbox does not allow it. */
export function resetPeak(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}
