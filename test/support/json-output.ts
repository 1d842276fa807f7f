// The programs run in lab hosts report one JSON line, last, among other output.

/** The last line of output that is a JSON object, parsed; throws with the output if there is none. */
export function lastJson<T>(output: string): T {
  const line = output.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no JSON in output:\n${output}`);
  return JSON.parse(line) as T;
}
