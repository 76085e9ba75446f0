/**
 * Reading an environment variable without failing: without `--allow-env`
 * (or with a narrower grant) a variable reads as unset, so a library
 * imported by a caller that did not grant env access keeps its defaults.
 * @module
 */

/** The variable `name`, or undefined when it is unset or env access is denied. */
export function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
