import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { WorkQueue, errorMessage, versionOf, type EventListener } from "../../shared/index.js";
import { NodeTaskDoc, STREAMS, parseEventSubject, subjects } from "../../../schemas/index.js";
import { deriveDoc, docMsgId, docSignature, tombstone } from "../core/task-docs.js";
import { docOrphaned, onRemovedNode, tasksOnNode } from "../core/removed-nodes.js";
import type { DispatcherContext } from "./context.js";

/**
 * Keeps NODE_TASKS equal to the projection: one doc per task on its node's subject, a new one when
 * desired state or spec changes, a tombstone when the task is deleted. One work key per task, so
 * a task's docs are published in order and a burst of its events costs one publish.
 */
export class TaskDocPublisher {
  /** Last doc published per task: what is on the stream, and where a tombstone must go. */
  private readonly published = new Map<string, NodeTaskDoc>();
  private readonly queue: WorkQueue;
  private readonly js;

  constructor(private readonly ctx: DispatcherContext, debounceMs = 5) {
    this.js = jetstream(ctx.deps.nc);
    this.queue = new WorkQueue((taskId) => this.sync(taskId), ctx.log.child("task-docs"), { debounceMs });
  }

  /** Informer listener: any event on a task's subject re-syncs that task's doc. */
  readonly onEvent: EventListener = (e) => {
    if (!this.ctx.informer.synced) return;
    const subj = parseEventSubject(e.event.subject);
    if (subj?.kind === "task") this.queue.add(subj.id);
    // A removed node's tasks: their docs become tombstones.
    if (e.event.type === "NodeRemoved") for (const id of tasksOnNode(this.ctx.informer.state, e.event.data.nodeId)) this.queue.add(id);
  };

  /** After sync: every task once, and a tombstone for every doc whose task is gone. */
  async sweep(): Promise<void> {
    for (const id of this.ctx.informer.state.tasks.keys()) this.queue.add(id);
    const jsm = await jetstreamManager(this.ctx.deps.nc);
    const info = await jsm.streams.info(STREAMS.nodeTasks, { subjects_filter: subjects.nodeTasksAll });
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const [, , nodeId, , taskId] = subject.split(".");
      if (!taskId || !nodeId || !docOrphaned(this.ctx.informer.state, nodeId, taskId)) continue;
      const stored = await jsm.streams.getMessage(STREAMS.nodeTasks, { last_by_subj: subject });
      const doc = NodeTaskDoc.safeParse(stored?.json());
      if (!doc.success || doc.data.removed) continue;
      this.published.set(taskId, doc.data);
      this.queue.add(taskId);
    }
  }

  private async sync(taskId: string): Promise<void> {
    const state = this.ctx.informer.state;
    const version = versionOf(state, subjects.event("task", taskId));
    const last = this.published.get(taskId);
    const task = state.tasks.get(taskId);
    if (!task || onRemovedNode(state, task)) {
      if (!last) return;
      await this.publish(tombstone(last, version));
      this.published.delete(taskId);
      return;
    }
    const doc = deriveDoc(task, version, state.services.get(task.serviceId)?.spec.EndpointSpec);
    if (!doc || (last && docSignature(last) === docSignature(doc))) return;
    await this.publish(doc);
    this.published.set(taskId, doc);
  }

  private async publish(doc: NodeTaskDoc): Promise<void> {
    try {
      await this.js.publish(subjects.nodeTask(doc.nodeId, doc.taskId), JSON.stringify(doc), { msgID: docMsgId(doc), timeout: 5000 });
    } catch (err) {
      throw new Error(`publishing task doc ${doc.taskId} for node ${doc.nodeId} failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  idle(): Promise<void> { return this.queue.idle(); }
  stop(): Promise<void> { return this.queue.stop(); }
}
