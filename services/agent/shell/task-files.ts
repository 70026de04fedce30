import type { NatsConnection } from "@nats-io/transport-node";
import type { NodeTaskDoc } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { fileMounts, needsFiles, planFiles, type FileMount } from "../core/task-files.js";
import { HostFiles } from "./host-files.js";
import { fetchTaskFiles, type DeliveryOptions } from "./secret-delivery.js";

/*
 * A task's secret and config files, from delivery to removal: fetched from the secret-store just
 * before the container is created, written to the task's host tmpfs, released when the task ends
 * (its container has stopped: nothing reads them any more) and, on agent start, for every task the
 * node no longer runs.
 */

export interface TaskFilesDeps {
  nc: NatsConnection;
  nodeId: string;
  /** The agent's directory for task files. */
  dir: string;
  log: Logger;
  delivery?: DeliveryOptions;
}

export class TaskFiles {
  private readonly host: HostFiles;

  constructor(private readonly d: TaskFilesDeps) {
    this.host = new HostFiles(d.dir);
  }

  /** Delivers and writes the task's files; the container's mounts (none when it has no references). */
  async prepare(doc: NodeTaskDoc): Promise<FileMount[]> {
    if (!needsFiles(doc)) return [];
    let files;
    try {
      files = await fetchTaskFiles(this.d.nc, this.d.nodeId, doc.taskId, this.d.delivery);
    } catch (err) {
      throw new Error(`secret delivery failed: ${errorMessage(err)}`, { cause: err });
    }
    const plan = planFiles(doc, files);
    if (!plan.ok) throw new Error(`secret delivery failed: ${plan.error}`);
    const dir = await this.host.write(doc.taskId, plan.files);
    this.d.log.info("task files written", { taskId: doc.taskId, count: plan.files.length });
    return fileMounts(dir, plan.files);
  }

  /** Unmounts and removes the task's files (idempotent); a failure is logged and left for the next start. */
  async release(taskId: string): Promise<void> {
    try {
      await this.host.release(taskId);
    } catch (err) {
      this.d.log.warn("task files not removed", { taskId, err: errorMessage(err) });
    }
  }

  /** On start: releases the files of every task `keep` says no. */
  async sweep(keep: (taskId: string) => boolean): Promise<void> {
    for (const taskId of await this.host.tasks()) {
      if (keep(taskId)) continue;
      await this.release(taskId);
      this.d.log.info("files of a task no longer wanted removed", { taskId });
    }
  }
}
