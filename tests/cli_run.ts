/**
 * Running the CLIs as child processes, the way a user runs them: shared by
 * the CLI tests, the analyze and compare tests and the reliability drills.
 * @module
 */

/** Permissions the child CLI processes get (what `deno task train` grants, minus the network). */
export const CHILD_PERMS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

/** Absolute path of a CLI script. */
export function cliScript(name: string): string {
  return new URL(`../cli/${name}.ts`, import.meta.url).pathname;
}

/** What a finished child process left. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `deno run cli/<name>.ts args…` to completion. */
export async function cli(name: string, args: readonly string[]): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...CHILD_PERMS, cliScript(name), ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Whether `path` exists. */
export const exists = (path: string): Promise<boolean> =>
  Deno.stat(path).then(() => true, () => false);
