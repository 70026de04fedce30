import { goTemplate } from "./template.js";

/*
 * `inspect -f/--format` as docker's inspect package: no format prints the objects as a JSON array
 * indented by 4; `json` prints them as one compact JSON array; any other format is a Go template
 * (template.ts) run on each object as the api returned it, one line each. docker runs it on the
 * decoded JSON with `missingkey=error`, so an unknown field is `map has no entry for key "X"`.
 */

function templateError(err: unknown): Error {
  return new Error(`template parsing error: ${(err as Error).message}`);
}

/** The text docker prints for `objects` with `format` (ends with a newline). */
export function renderInspect(format: string | undefined, objects: unknown[]): string {
  if (!format) return JSON.stringify(objects, null, 4) + "\n";
  if (format === "json") return JSON.stringify(objects) + "\n";
  let tmpl;
  try {
    tmpl = goTemplate(format);
  } catch (err) {
    throw templateError(err);
  }
  const out = objects.map((o) => {
    try {
      return tmpl.execute(o, { missingKeyError: true }) + "\n";
    } catch (err) {
      throw templateError(err);
    }
  });
  return out.length ? out.join("") : "\n";
}
