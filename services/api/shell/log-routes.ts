import { z } from "zod";
import * as app from "../app/index.js";
import { encodeFrame } from "../../shared/docker-stream/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { parseSince, parseTail } from "../core/log-lines.js";
import { route, type Request, type Route } from "./http.js";
import { parse, queryOf } from "./parse.js";

/*
 * Docker's `GET /services/{id}/logs` and `GET /tasks/{id}/logs`: Docker's multiplexed stream
 * (`application/vnd.docker.multiplexed-stream`, 8-byte frame headers, stream 1 stdout, 2 stderr,
 * 3 the daemon's error), as the Engine API answers for a container without a TTY.
 */

const Bool = (name: string) => z.enum(["", "0", "1", "false", "true"], { error: `${name}: must be true or false` }).optional();
const isTrue = (v: string | undefined) => v === "1" || v === "true";
const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";

export function logsQuery(req: Request): app.LogsQuery {
  const flag = (name: string) => isTrue(parse(Bool(name), queryOf(req, name)));
  const q: app.LogsQuery = {
    follow: flag("follow"), stdout: flag("stdout"), stderr: flag("stderr"), timestamps: flag("timestamps"), details: flag("details"),
  };
  const since = parseSince(queryOf(req, "since"));
  const tail = parseTail(queryOf(req, "tail"));
  if (since !== undefined) q.since = since;
  if (tail !== undefined) q.tail = tail;
  // The Engine API's own refusal when neither stream is asked for.
  if (!q.stdout && !q.stderr) throw invalidArgument("Bad parameters: you must choose at least one stream");
  return q;
}

export function logRoutes(deps: app.AppDeps, timing?: app.LogsTiming): Route[] {
  const logs = (kind: "service" | "task") => async (req: Request) => {
    const q = logsQuery(req);
    const target = app.logTarget(deps, kind, req.params.id!);
    return {
      status: 200,
      stream: {
        contentType: MULTIPLEXED,
        run: (write: (chunk: Buffer) => Promise<void>, signal: AbortSignal) =>
          app.streamLogs(deps, target, q, { write: (pieces) => write(Buffer.concat(pieces.map(([s, text]) => encodeFrame(s, text)))) }, signal, timing),
      },
    };
  };
  return [route("GET", "/services/:id/logs", logs("service")), route("GET", "/tasks/:id/logs", logs("task"))];
}
